import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';
import type { PhoneCheck, SubmissionApi, ValidationSettings } from './campaign';
import { dialEntrySchema, type ContactDefaults, type DialEntry } from './contact-entry';
import { ATTRIBUTE_KEY_PATTERN, MAX_ADDRESS_LENGTH, MAX_ATTRIBUTE_KEY_LENGTH, MAX_ATTRIBUTE_VALUE_LENGTH, MAX_REQUEST_IDENTIFIER_LENGTH } from './limits';

/**
 * Which rule a REJECTED entry broke, free of the entry's values so rejections can be counted
 * together. Connect's own FailureReasonCode where it has one for the rule.
 */
export const rejectionCodes = [
  'INVALID_ENTRY',
  'MALFORMED_LINE',
  'INVALID_REQUEST_IDENTIFIER',
  'DUPLICATE_REQUEST_IDENTIFIER',
  'MISSING_CUSTOMER_ENDPOINT',
  'INVALID_CUSTOMER_ENDPOINT',
  'MISSING_QUEUE_ID_AND_SYSTEM_ENDPOINT',
  'INVALID_ATTRIBUTE_KEY',
  'INVALID_ATTRIBUTE_VALUE',
] as const;
export type RejectionCode = (typeof rejectionCodes)[number];

export interface EntryRejection {
  code: RejectionCode;
  /** Dotted path of the offending member, e.g. `CustomerEndpoint.Address`. */
  field: string;
  reason: string;
}

export type EntryCheck = { ok: true; entry: DialEntry } | { ok: false; rejection: EntryRejection };

const E164 = /^\+[1-9]\d{1,14}$/;
const DEFAULT_VALIDATION: ValidationSettings = { phone: 'possible' };

/**
 * Checks one entry before it is ever sent, against the same rules Connect applies per
 * entry, so a bad entry is REJECTED here with its field and reason instead of costing a
 * call — and nothing Connect would accept is refused (unless `validation` asks for more).
 * Telephone numbers are normalised to E.164.
 */
/**
 * `api` is the Connect API the entry goes to: Outbound Campaigns v2 has no QueueId (its campaign
 * routes the calls) and dials telephone numbers only.
 */
export function checkEntry(raw: unknown, defaults: ContactDefaults, validation: ValidationSettings = DEFAULT_VALIDATION, api: SubmissionApi = 'batch-put-contact'): EntryCheck {
  const parsed = dialEntrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? issue.path.join('.') || '(entry)' : '(entry)';
    return reject('INVALID_ENTRY', field, issue?.message ?? 'not a contact entry');
  }
  const entry = parsed.data;

  if (entry.RequestIdentifier !== undefined) {
    if (entry.RequestIdentifier.length === 0) return reject('INVALID_REQUEST_IDENTIFIER', 'RequestIdentifier', 'must not be empty');
    if (entry.RequestIdentifier.length > MAX_REQUEST_IDENTIFIER_LENGTH) {
      return reject('INVALID_REQUEST_IDENTIFIER', 'RequestIdentifier', `is ${entry.RequestIdentifier.length} characters; the limit is ${MAX_REQUEST_IDENTIFIER_LENGTH}`);
    }
  }

  const customer = entry.CustomerEndpoint;
  if (!customer?.Address) return reject('MISSING_CUSTOMER_ENDPOINT', 'CustomerEndpoint.Address', 'is missing: every entry needs a number to dial');
  const type = customer.Type ?? 'TELEPHONE_NUMBER';
  let address = customer.Address;
  if (address.length > MAX_ADDRESS_LENGTH) {
    return reject('INVALID_CUSTOMER_ENDPOINT', 'CustomerEndpoint.Address', `is ${address.length} characters; the limit is ${MAX_ADDRESS_LENGTH}`);
  }
  if (type === 'TELEPHONE_NUMBER') {
    const number = checkPhoneNumber(address, validation.phone);
    if ('problem' in number) return reject('INVALID_CUSTOMER_ENDPOINT', 'CustomerEndpoint.Address', number.problem);
    address = number.e164;
  }

  const queueId = entry.QueueId ?? defaults.QueueId;
  const systemEndpoint = entry.SystemEndpoint ?? defaults.SystemEndpoint;
  if (api === 'outbound-campaigns-v2' && type !== 'TELEPHONE_NUMBER') {
    return reject('INVALID_CUSTOMER_ENDPOINT', 'CustomerEndpoint.Type', 'Outbound Campaigns v2 dials telephone numbers only (TELEPHONE_NUMBER)');
  }
  if (api === 'batch-put-contact' && !queueId && !systemEndpoint?.Address) {
    return reject('MISSING_QUEUE_ID_AND_SYSTEM_ENDPOINT', 'QueueId', 'neither QueueId nor SystemEndpoint is set, for the entry or as a campaign default');
  }

  for (const [key, value] of Object.entries(entry.Attributes ?? {})) {
    if (key.length > MAX_ATTRIBUTE_KEY_LENGTH || !ATTRIBUTE_KEY_PATTERN.test(key)) {
      return reject('INVALID_ATTRIBUTE_KEY', `Attributes.${key}`, 'attribute keys may hold only letters, digits, "-" and "_"');
    }
    if (value.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
      return reject('INVALID_ATTRIBUTE_VALUE', `Attributes.${key}`, `value is ${value.length} characters; the limit is ${MAX_ATTRIBUTE_VALUE_LENGTH}`);
    }
  }

  return { ok: true, entry: { ...entry, CustomerEndpoint: { Type: type, Address: address } } };
}

const LENGTH_PROBLEMS: Record<string, string> = {
  TOO_SHORT: 'is too short',
  TOO_LONG: 'is too long',
  INVALID_LENGTH: 'has a length no number has',
};

/**
 * The E.164 form of a telephone number written with its country code, or which rule it
 * breaks. `possible` (what Connect checks): E.164, with a length numbers of its country
 * calling code can have — so `+1 999 555 0100` passes though no US area code 999 exists.
 * `valid` adds libphonenumber's numbering plan, which refuses it.
 */
export function checkPhoneNumber(address: string, rule: PhoneCheck): { e164: string } | { problem: string } {
  const text = address.trim();
  const notE164 = { problem: `"${address}" is not a valid E.164 phone number (expected + country code and number, e.g. +14155550100)` };
  if (!text.startsWith('+')) return notE164;
  const phone = parsePhoneNumberFromString(text);
  if (!phone?.isPossible()) {
    const lengthProblem = validatePhoneNumberLength(text);
    if (lengthProblem === 'INVALID_COUNTRY') {
      return { problem: `"${address}" does not start with a country calling code (expected + country code and number, e.g. +14155550100)` };
    }
    const problem = lengthProblem && LENGTH_PROBLEMS[lengthProblem];
    if (!phone || !problem) return notE164;
    return { problem: `"${address}" ${problem} for a number with country calling code +${phone.countryCallingCode}` };
  }
  if (!E164.test(phone.number)) return notE164;
  if (rule === 'valid' && !phone.isValid()) {
    return {
      problem: `"${address}" has a possible length for country calling code +${phone.countryCallingCode} but is not in its numbering plan as libphonenumber knows it (phone check "valid"; "possible", what Connect checks, accepts it)`,
    };
  }
  return { e164: phone.number };
}

function reject(code: RejectionCode, field: string, reason: string): EntryCheck {
  return { ok: false, rejection: { code, field, reason } };
}
