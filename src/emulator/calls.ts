import { randomUUID } from 'node:crypto';
import { seededRandom } from './random';
import type { MessageQueue } from './sqs-queue';
import type { CallOutcome, CallSettings } from './types';

/** What the emulator's simulated call did, as DescribeContact and the contact events tell it. */
export interface CallRecord {
  contactId: string;
  instanceId: string;
  campaignId?: string;
  /** The dial list's RequestIdentifier (v1) or the request's attributes (v2): DescribeContact answers them. */
  attributes?: Record<string, string>;
  outcome: CallOutcome;
  initiatedAt: number;
  connectedAt?: number;
  disconnectedAt?: number;
  amdStatus?: string;
  disconnectReason?: string;
}

/** How each outcome shows in Connect's fields: the AMD status and disconnect reason of its DISCONNECTED event. */
const SIGNATURE: Record<CallOutcome, { connects: boolean; amdStatus?: string; disconnectReason: string }> = {
  HUMAN_ANSWERED: { connects: true, amdStatus: 'HUMAN_ANSWERED', disconnectReason: 'CUSTOMER_DISCONNECT' },
  VOICEMAIL: { connects: true, amdStatus: 'VOICEMAIL_BEEP', disconnectReason: 'CONTACT_FLOW_DISCONNECT' },
  NO_ANSWER: { connects: false, amdStatus: 'AMD_UNANSWERED', disconnectReason: 'TELECOM_UNANSWERED' },
  BUSY: { connects: false, amdStatus: 'SIT_TONE_BUSY', disconnectReason: 'TELECOM_BUSY' },
  INVALID_NUMBER: { connects: false, amdStatus: 'SIT_TONE_INVALID_NUMBER', disconnectReason: 'TELECOM_NUMBER_INVALID' },
  NOT_DIALLED: { connects: false, disconnectReason: 'OUTBOUND_ATTEMPT_FAILED' },
};

export const CALL_OUTCOMES = Object.keys(SIGNATURE) as CallOutcome[];

const ACCOUNT_ID = '000000000000';
const DEFAULT_RING_MS = 1000;

export interface NewCall {
  contactId: string;
  instanceId: string;
  campaignId?: string;
  number?: string;
  attributes?: Record<string, string>;
  /** A v2 dial request's id: the contact the campaign dialled for it. */
  dialRequestId?: string;
}

/**
 * The emulator dials: each created voice contact (or v2 dial request) rings for `ringMs`,
 * ends in an outcome (per number when scripted, else drawn from the weights), and its
 * Amazon Connect contact events go to the contact-events queue as EventBridge delivers
 * them: the EventBridge envelope, at least once (some duplicated), unordered, best effort
 * (some dropped), as the knobs say. Off until configured.
 */
export class CallSimulator {
  private readonly calls = new Map<string, CallRecord>();
  private readonly callsPerNumber = new Map<string, number>();
  /** v2 dial request id → the contact dialled for it. */
  private readonly byDialRequest = new Map<string, string>();
  private random: () => number;
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private settings: CallSettings | undefined,
    private readonly queue: MessageQueue,
    private readonly region: string,
    private readonly now: () => number,
  ) {
    this.random = seededRandom(settings?.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  configure(settings: CallSettings | undefined): void {
    this.settings = settings;
    this.random = seededRandom(settings?.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  get(contactId: string): CallRecord | undefined {
    return this.calls.get(contactId);
  }

  /** The outcome of each call by contact id (GET /_emulator/contacts shows it as `disposition`). */
  outcomeOf(contactId: string): CallOutcome | undefined {
    const call = this.calls.get(this.byDialRequest.get(contactId) ?? contactId);
    return call?.disconnectedAt === undefined ? undefined : call.outcome;
  }

  /** Starts the calls of one Connect answer: INITIATED now, the rest after the ring. */
  dial(newCalls: readonly NewCall[]): void {
    const settings = this.settings;
    if (settings === undefined || newCalls.length === 0) return;
    const at = this.now();
    const records = newCalls.map((c) => {
      const record: CallRecord = {
        contactId: c.contactId,
        instanceId: c.instanceId,
        ...(c.campaignId !== undefined && { campaignId: c.campaignId }),
        ...(c.attributes !== undefined && { attributes: c.attributes }),
        outcome: this.outcomeFor(settings, c.number),
        initiatedAt: at,
      };
      this.calls.set(c.contactId, record);
      if (c.dialRequestId !== undefined) this.byDialRequest.set(c.dialRequestId, c.contactId);
      return { record, silent: c.number !== undefined && (settings.silentNumbers ?? []).includes(c.number) };
    });
    this.publish(records.map((r) => this.event(r.record, 'INITIATED')));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const ended = this.now();
      const events: object[] = [];
      for (const { record, silent } of records) {
        const signature = SIGNATURE[record.outcome];
        if (signature.connects) record.connectedAt = ended;
        record.disconnectedAt = ended;
        record.disconnectReason = signature.disconnectReason;
        if (signature.amdStatus !== undefined) record.amdStatus = signature.amdStatus;
        if (silent) continue;
        if (signature.connects) events.push(this.event(record, 'CONNECTED_TO_SYSTEM'));
        events.push(this.event(record, 'DISCONNECTED'));
      }
      this.publish(events);
    }, settings.ringMs ?? DEFAULT_RING_MS);
    timer.unref();
    this.timers.add(timer);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.calls.clear();
    this.callsPerNumber.clear();
    this.byDialRequest.clear();
  }

  private outcomeFor(settings: CallSettings, number: string | undefined): CallOutcome {
    if (number !== undefined) {
      const n = this.callsPerNumber.get(number) ?? 0;
      this.callsPerNumber.set(number, n + 1);
      const scripted = settings.byNumber?.[number];
      if (scripted !== undefined) {
        const list = Array.isArray(scripted) ? scripted : [scripted];
        const pick = list[Math.min(n, list.length - 1)];
        if (pick !== undefined) return pick;
      }
    }
    const weights = Object.entries(settings.outcomes ?? { HUMAN_ANSWERED: 1 }) as [CallOutcome, number][];
    const total = weights.reduce((sum, [, w]) => sum + w, 0);
    let draw = this.random() * total;
    for (const [outcome, weight] of weights) {
      if (draw < weight) return outcome;
      draw -= weight;
    }
    return weights.at(-1)?.[0] ?? 'HUMAN_ANSWERED';
  }

  /** The EventBridge envelope around one contact event (docs: "Amazon Connect contact events"). */
  private event(record: CallRecord, eventType: string): object {
    const instanceArn = `arn:aws:connect:${this.region}:${ACCOUNT_ID}:instance/${record.instanceId}`;
    const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
    const final = eventType === 'DISCONNECTED';
    const detail = {
      eventType,
      contactId: record.contactId,
      initialContactId: record.contactId,
      channel: 'VOICE',
      instanceArn,
      initiationMethod: 'OUTBOUND',
      initiationTimestamp: iso(record.initiatedAt),
      ...(eventType !== 'INITIATED' && record.connectedAt !== undefined && { connectedToSystemTimestamp: iso(record.connectedAt) }),
      ...(final && { disconnectTimestamp: iso(record.disconnectedAt), disconnectReason: record.disconnectReason }),
      ...(eventType !== 'INITIATED' && record.amdStatus !== undefined && { answeringMachineDetectionStatus: record.amdStatus }),
      ...(record.campaignId !== undefined && { campaign: { campaignId: record.campaignId } }),
    };
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Amazon Connect Contact Event',
      source: 'aws.connect',
      account: ACCOUNT_ID,
      time: new Date(this.now()).toISOString(),
      region: this.region,
      resources: [`${instanceArn}/contact/${record.contactId}`, instanceArn],
      detail,
    };
  }

  /** Best effort, at least once, unordered: some dropped, some twice, shuffled, as configured. */
  private publish(events: object[]): void {
    const settings = this.settings ?? {};
    const out: string[] = [];
    for (const e of events) {
      if ((settings.dropRate ?? 0) > 0 && this.random() < (settings.dropRate ?? 0)) continue;
      const body = JSON.stringify(e);
      out.push(body);
      if ((settings.duplicateRate ?? 0) > 0 && this.random() < (settings.duplicateRate ?? 0)) out.push(body);
    }
    if (settings.reorder === true) {
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [out[i], out[j]] = [out[j] ?? '', out[i] ?? ''];
      }
    }
    for (const body of out) this.queue.send(body);
  }
}
