import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { dialEntrySchema, type ContactDefaults, type DialEntry } from './contact-entry';
import {
  ATTRIBUTE_KEY_PATTERN,
  MAX_ADDRESS_LENGTH,
  MAX_ATTRIBUTE_KEY_LENGTH,
  MAX_ATTRIBUTE_VALUE_LENGTH,
  MAX_REQUEST_IDENTIFIER_LENGTH,
} from './limits';

export interface EntryRejection {
  /** Dotted path of the offending member, e.g. `CustomerEndpoint.Address`. */
  field: string;
  reason: string;
}

export type EntryCheck = { ok: true; entry: DialEntry } | { ok: false; rejection: EntryRejection };

const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * Checks one entry before it is ever sent, against the same rules Connect applies per
 * entry, so a bad entry is REJECTED here with its field and reason instead of costing a
 * call. Telephone numbers are normalised to E.164 when they carry a country code.
 */
export function checkEntry(raw: unknown, defaults: ContactDefaults): EntryCheck {
  const parsed = dialEntrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.join('.') || '(entry)' : '(entry)';
    return reject(field, issue?.message ?? 'not a contact entry');
  }
  const entry = parsed.data;

  if (entry.RequestIdentifier !== undefined) {
    if (entry.RequestIdentifier.length === 0) return reject('RequestIdentifier', 'must not be empty');
    if (entry.RequestIdentifier.length > MAX_REQUEST_IDENTIFIER_LENGTH) {
      return reject('RequestIdentifier', `is ${entry.RequestIdentifier.length} characters; the limit is ${MAX_REQUEST_IDENTIFIER_LENGTH}`);
    }
  }

  const customer = entry.CustomerEndpoint;
  if (!customer?.Address) return reject('CustomerEndpoint.Address', 'is missing: every entry needs a number to dial');
  const type = customer.Type ?? 'TELEPHONE_NUMBER';
  let address = customer.Address;
  if (address.length > MAX_ADDRESS_LENGTH) {
    return reject('CustomerEndpoint.Address', `is ${address.length} characters; the limit is ${MAX_ADDRESS_LENGTH}`);
  }
  if (type === 'TELEPHONE_NUMBER') {
    const e164 = toE164(address);
    if (!e164) {
      return reject(
        'CustomerEndpoint.Address',
        `"${address}" is not a valid E.164 phone number (expected + country code and number, e.g. +14155550100)`,
      );
    }
    address = e164;
  }

  const queueId = entry.QueueId ?? defaults.QueueId;
  const systemEndpoint = entry.SystemEndpoint ?? defaults.SystemEndpoint;
  if (!queueId && !systemEndpoint?.Address) {
    return reject('QueueId', 'neither QueueId nor SystemEndpoint is set, for the entry or as a campaign default');
  }

  for (const [key, value] of Object.entries(entry.Attributes ?? {})) {
    if (key.length > MAX_ATTRIBUTE_KEY_LENGTH || !ATTRIBUTE_KEY_PATTERN.test(key)) {
      return reject(`Attributes.${key}`, 'attribute keys may hold only letters, digits, "-" and "_"');
    }
    if (value.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
      return reject(`Attributes.${key}`, `value is ${value.length} characters; the limit is ${MAX_ATTRIBUTE_VALUE_LENGTH}`);
    }
  }

  return { ok: true, entry: { ...entry, CustomerEndpoint: { Type: type, Address: address } } };
}

/** The E.164 form of a number written with its country code, or undefined. */
export function toE164(address: string): string | undefined {
  const trimmed = address.trim();
  if (E164.test(trimmed)) {
    const phone = parsePhoneNumberFromString(trimmed);
    return phone?.isValid() ? trimmed : undefined;
  }
  if (!trimmed.startsWith('+')) return undefined;
  const phone = parsePhoneNumberFromString(trimmed);
  return phone?.isValid() ? phone.number : undefined;
}

function reject(field: string, reason: string): EntryCheck {
  return { ok: false, rejection: { field, reason } };
}
