import { z } from 'zod';

/**
 * What happened on a call, from Amazon Connect's contact events and DescribeContact
 * (../../docs/call-outcomes.md). Connect's enums are open: a value not listed here maps to
 * UNKNOWN (or is ignored), never to an error.
 */
export const dispositions = ['REACHED', 'VOICEMAIL', 'NO_ANSWER', 'BUSY', 'INVALID_NUMBER', 'NOT_DIALLED', 'UNKNOWN'] as const;
export type Disposition = (typeof dispositions)[number];

/**
 * What is known about one call, merged from every event and answer about it. Merging is
 * commutative for real streams (each fact is set once by Connect), so duplicated and
 * reordered events end in the same facts.
 */
export interface CallFacts {
  /** Media was established (CONNECTED_TO_SYSTEM, or a connectedToSystemTimestamp). */
  connected: boolean;
  /** The call is over (DISCONNECTED or COMPLETED, or a disconnect timestamp). */
  ended: boolean;
  amdStatus?: string;
  disconnectReason?: string;
}

const VOICEMAIL_STATUSES = new Set(['VOICEMAIL_BEEP', 'VOICEMAIL_NO_BEEP']);
const ENDING_EVENTS = new Set(['DISCONNECTED', 'COMPLETED']);
/** Reasons a connected call ends with when someone was on it. */
const CONVERSATION_ENDS = new Set(['CUSTOMER_DISCONNECT', 'AGENT_DISCONNECT', 'THIRD_PARTY_DISCONNECT', 'CONTACT_FLOW_DISCONNECT', 'BARGED']);
const NO_ANSWER_REASONS = new Set(['TELECOM_UNANSWERED', 'TELECOM_TIMEOUT', 'CUSTOMER_NEVER_ARRIVED']);

/**
 * The disposition the facts decide, or undefined while the call may still say more. A
 * decisive answering-machine status (a person, a voicemail, a SIT tone) decides at once; the
 * disconnect reason decides when the call has ended; an ended call that says neither is UNKNOWN.
 *
 * HUMAN_ANSWERED → REACHED; VOICEMAIL_BEEP/VOICEMAIL_NO_BEEP → VOICEMAIL; AMD_UNANSWERED,
 * TELECOM_UNANSWERED, TELECOM_TIMEOUT → NO_ANSWER; SIT_TONE_BUSY, TELECOM_BUSY → BUSY;
 * SIT_TONE_INVALID_NUMBER, TELECOM_NUMBER_INVALID → INVALID_NUMBER; EXPIRED, OUTBOUND_* →
 * NOT_DIALLED; a connected call ended by CUSTOMER_DISCONNECT & co. with no machine detected → REACHED.
 */
export function dispositionOf(facts: CallFacts): Disposition | undefined {
  const amd = facts.amdStatus;
  const reason = facts.disconnectReason;
  if (amd === 'HUMAN_ANSWERED') return 'REACHED';
  if (amd !== undefined && VOICEMAIL_STATUSES.has(amd)) return 'VOICEMAIL';
  if (amd === 'SIT_TONE_BUSY') return 'BUSY';
  if (amd === 'SIT_TONE_INVALID_NUMBER') return 'INVALID_NUMBER';
  if (!facts.ended) return undefined;
  if (reason === 'TELECOM_BUSY') return 'BUSY';
  if (reason === 'TELECOM_NUMBER_INVALID') return 'INVALID_NUMBER';
  if (amd === 'AMD_UNANSWERED' || (reason !== undefined && NO_ANSWER_REASONS.has(reason))) return 'NO_ANSWER';
  if (reason === 'EXPIRED' || reason?.startsWith('OUTBOUND_') === true) return 'NOT_DIALLED';
  if (facts.connected && reason !== undefined && CONVERSATION_ENDS.has(reason) && (amd === undefined || amd === 'AMD_NOT_APPLICABLE' || amd === 'AMD_DISABLED')) return 'REACHED';
  return 'UNKNOWN';
}

/** Facts from two sources about one call, merged: what either knows. */
export function mergeFacts(a: CallFacts, b: CallFacts): CallFacts {
  const amdStatus = a.amdStatus ?? b.amdStatus;
  const disconnectReason = a.disconnectReason ?? b.disconnectReason;
  return {
    connected: a.connected || b.connected,
    ended: a.ended || b.ended,
    ...(amdStatus !== undefined && { amdStatus }),
    ...(disconnectReason !== undefined && { disconnectReason }),
  };
}

const text = z.string().min(1).optional().catch(undefined);
/** The campaign a contact was placed for: `{"campaignId": ...}` in the samples, `CampaignId` in the data model's table. */
const campaign = z.looseObject({ campaignId: text, CampaignId: text }).optional().catch(undefined);

/**
 * The parts of an EventBridge "Amazon Connect Contact Event" read here. Connect adds fields
 * and event types: everything else is ignored. The documented samples spell detail members
 * in camelCase; PascalCase spellings (as in the data model's table) are read too.
 */
const contactEventSchema = z.looseObject({
  source: z.literal('aws.connect'),
  'detail-type': z.literal('Amazon Connect Contact Event'),
  detail: z.looseObject({
    eventType: text,
    EventType: text,
    contactId: text,
    ContactId: text,
    channel: text,
    Channel: text,
    instanceArn: text,
    InstanceArn: text,
    campaign,
    Campaign: campaign,
    connectedToSystemTimestamp: text,
    disconnectTimestamp: text,
    disconnectReason: text,
    DisconnectReason: text,
    answeringMachineDetectionStatus: text,
    AnsweringMachineDetectionStatus: text,
  }),
});

export interface ContactEventFacts {
  contactId: string;
  eventType: string;
  facts: CallFacts;
  /** The instance the contact is on, from the event's `instanceArn`. */
  instanceId?: string;
  /** Set when an outbound campaign placed the contact (the event's `campaign`). */
  campaignId?: string;
}

/** `arn:aws:connect:<region>:<account>:instance/<id>` → `<id>`. */
function instanceIdOf(arn: string | undefined): string | undefined {
  const id = arn?.split(':instance/')[1]?.split('/')[0];
  return id === undefined || id === '' ? undefined : id;
}

export type ParsedContactEvent = { kind: 'event'; event: ContactEventFacts } | { kind: 'not-a-contact-event'; reason: string };

/** A queue message's body as a contact event's facts, or why it is not one (a poison message). */
export function parseContactEvent(body: string): ParsedContactEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'not-a-contact-event', reason: 'the body is not JSON' };
  }
  const parsed = contactEventSchema.safeParse(json);
  if (!parsed.success) return { kind: 'not-a-contact-event', reason: `not an Amazon Connect Contact Event (${parsed.error.issues[0]?.path.join('.') ?? 'shape'})` };
  const d = parsed.data.detail;
  const contactId = d.contactId ?? d.ContactId;
  if (contactId === undefined) return { kind: 'not-a-contact-event', reason: 'the event names no contactId' };
  const eventType = d.eventType ?? d.EventType ?? 'UNKNOWN';
  const amdStatus = d.answeringMachineDetectionStatus ?? d.AnsweringMachineDetectionStatus;
  const disconnectReason = d.disconnectReason ?? d.DisconnectReason;
  const instanceId = instanceIdOf(d.instanceArn ?? d.InstanceArn);
  const campaignId = d.campaign?.campaignId ?? d.campaign?.CampaignId ?? d.Campaign?.campaignId ?? d.Campaign?.CampaignId;
  return {
    kind: 'event',
    event: {
      contactId,
      eventType,
      ...(instanceId !== undefined && { instanceId }),
      ...(campaignId !== undefined && { campaignId }),
      facts: {
        connected: eventType === 'CONNECTED_TO_SYSTEM' || d.connectedToSystemTimestamp !== undefined,
        ended: ENDING_EVENTS.has(eventType) || d.disconnectTimestamp !== undefined,
        ...(amdStatus !== undefined && { amdStatus }),
        ...(disconnectReason !== undefined && { disconnectReason }),
      },
    },
  };
}

/** DescribeContact's Contact as facts (the reconciler's view of a call whose events never came). */
export function factsFromDescribedContact(contact: {
  ConnectedToSystemTimestamp?: Date;
  DisconnectTimestamp?: Date;
  DisconnectReason?: string;
  AnsweringMachineDetectionStatus?: string;
}): CallFacts {
  return {
    connected: contact.ConnectedToSystemTimestamp !== undefined,
    ended: contact.DisconnectTimestamp !== undefined,
    ...(contact.AnsweringMachineDetectionStatus !== undefined && { amdStatus: contact.AnsweringMachineDetectionStatus }),
    ...(contact.DisconnectReason !== undefined && { disconnectReason: contact.DisconnectReason }),
  };
}
