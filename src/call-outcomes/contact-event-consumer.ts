import { setTimeout as sleep } from 'node:timers/promises';
import { ResourceNotFoundException } from '@aws-sdk/client-connect';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { parseContactEvent, type ContactEventFacts } from '../domain/call-disposition';
import type { CallLink, CallResultStore, DecidedCall } from '../storage/call-results';
import type { CampaignContactResolver } from './campaign-contact-resolver';

export interface ContactEventConsumerOptions {
  sqs: SQSClient;
  /** CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL: the queue an EventBridge rule sends Amazon Connect contact events to. */
  queueUrl: string;
  store: Pick<CallResultStore, 'recordCallFacts' | 'linkCalls' | 'outboundCampaignsAmong'>;
  /**
   * Finds the send behind a campaign's contact the store does not know yet (an Outbound
   * Campaigns v2 call: its send holds the dial request's id) from the contact's attributes.
   * Only contacts of v2 campaigns that campaigns here send to are looked up. Without it such
   * events are treated as any unknown contact's.
   */
  campaignContacts?: Pick<CampaignContactResolver, 'resolve'>;
  /** Contacts whose attributes are read at once (default 10, a receive's worth). */
  lookupConcurrency?: number;
  /**
   * How long an event whose contact's attributes could not be read for a reason that may pass
   * (throttling, network, access) is tried again (default 1 hour), backing off up to 5 minutes
   * between tries; then it is deleted and logged. The call then settles by the campaign's
   * settle time like any call whose events were lost.
   */
  lookupGiveUpMs?: number;
  /** Long polling (SQS's maximum, 20 s, by default). */
  waitTimeSeconds?: number;
  /** How long a received message stays hidden while it is applied (default 60 s); a crash before its delete redelivers it then. */
  visibilityTimeoutSeconds?: number;
  /**
   * An event about a contact the store does not know may be early (its send is not recorded
   * yet): it is tried again after `retryUnknownAfterSeconds` (default 5 s) until it is this old
   * (default 10 minutes), then taken for another dialer's contact and deleted.
   */
  unknownContactGraceMs?: number;
  retryUnknownAfterSeconds?: number;
  /** Calls whose disposition a batch decided (metrics, the campaigns that act on outcomes). */
  onDecided?: (calls: DecidedCall[]) => Promise<void> | void;
  log: (line: string) => void;
  now?: () => number;
}

/** What one batch of messages came to: for tests and logs. */
export interface BatchTally {
  applied: number;
  poison: number;
  unknown: number;
  foreign: number;
  decided: number;
  /** Campaign contacts linked to their send by their attributes in this batch. */
  linked: number;
  /** Events kept on the queue because their contact's attributes could not be read (throttling, network). */
  unresolved: number;
  /** Events deleted because their contact's attributes could not be read for `lookupGiveUpMs`. */
  abandoned: number;
}

/** How a campaign contact unknown to the store came out of its attributes. */
type Resolution = { kind: 'linked' } | { kind: 'names-no-send' } | { kind: 'unrecorded' } | { kind: 'failed'; retryable: boolean };

const MAX_MESSAGES = 10;
/** How long the consumer believes a v2 campaign id is not one of the store's before asking again. */
const UNKNOWN_CAMPAIGN_RECHECK_MS = 10_000;
/** The longest an event waits between tries of a failing GetContactAttributes. */
const MAX_LOOKUP_BACKOFF_SECONDS = 300;

/**
 * Reads Amazon Connect contact events from SQS and stores what happened on each call
 * (docs/call-outcomes.md). A message is deleted only once the store has its facts, so a
 * worker killed mid-batch loses nothing: the queue delivers the message again. Facts merge
 * and a disposition is written once, so duplicated and reordered events change nothing. A
 * message that is not a contact event is deleted at once (it will never parse): no poison
 * message blocks the queue. A campaign's contact the store does not know (a v2 call: its send
 * holds the dial request's id) is linked to its send through its attributes first.
 */
export class ContactEventConsumer {
  private readonly now: () => number;
  /** v2 campaign ids: true for the store's (for good), false for another's until the time given. */
  private readonly campaigns = new Map<string, true | number>();

  constructor(private readonly options: ContactEventConsumerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Polls until `signal` aborts; errors (network, store) are logged and retried with a backoff. */
  async run(signal: AbortSignal): Promise<void> {
    let backoffMs = 1000;
    while (!signal.aborted) {
      try {
        const answer = await this.options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: MAX_MESSAGES,
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
            VisibilityTimeout: this.options.visibilityTimeoutSeconds ?? 60,
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          }),
          { abortSignal: signal },
        );
        if (answer.Messages !== undefined && answer.Messages.length > 0) await this.apply(answer.Messages);
        backoffMs = 1000;
      } catch (err) {
        if (signal.aborted) return;
        this.options.log(`contact events: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}; trying again in ${backoffMs / 1000} s`);
        await sleep(backoffMs, undefined, { signal }).catch(() => undefined);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  }

  /** Applies one batch of messages: stores their facts, then deletes what is done. */
  async apply(messages: readonly Message[]): Promise<BatchTally> {
    const tally: BatchTally = { applied: 0, poison: 0, unknown: 0, foreign: 0, decided: 0, linked: 0, unresolved: 0, abandoned: 0 };
    const done: Message[] = [];
    const events: { message: Message; event: ContactEventFacts }[] = [];
    for (const message of messages) {
      const parsed = parseContactEvent(message.Body ?? '');
      if (parsed.kind === 'event') {
        events.push({ message, event: parsed.event });
      } else {
        // The id only: a body is never logged (it could hold anything).
        this.options.log(`contact events: deleting message ${message.MessageId ?? '?'}: ${parsed.reason}`);
        tally.poison++;
        done.push(message);
      }
    }
    // Throws when the store is unreachable: nothing is deleted, the queue delivers the batch again.
    const recorded = await this.options.store.recordCallFacts(events.map(({ event }) => ({ contactId: event.contactId, facts: event.facts, source: 'EVENT' })));
    const known = new Set(recorded.known);
    const decided = [...recorded.decided];
    const resolutions = await this.resolveCampaignContacts(events.map(({ event }) => event).filter((e) => !known.has(e.contactId)));
    const linked = events.filter(({ event }) => resolutions.get(event.contactId)?.kind === 'linked');
    if (linked.length > 0) {
      // The newly linked calls' facts, now that the store finds them by ContactId.
      const more = await this.options.store.recordCallFacts(linked.map(({ event }) => ({ contactId: event.contactId, facts: event.facts, source: 'EVENT' })));
      for (const id of more.known) known.add(id);
      decided.push(...more.decided);
    }
    tally.linked = [...resolutions.values()].filter((r) => r.kind === 'linked').length;
    const waitFor: { message: Message; seconds: number }[] = [];
    const grace = this.options.unknownContactGraceMs ?? 600_000;
    const retryAfter = this.options.retryUnknownAfterSeconds ?? 5;
    for (const { message, event } of events) {
      const resolution = resolutions.get(event.contactId);
      const age = this.age(message);
      if (known.has(event.contactId)) {
        tally.applied++;
        done.push(message);
      } else if (resolution?.kind === 'failed' && resolution.retryable) {
        // Its attributes could not be read (throttling, network, access): tried again, backing off, until the give-up time.
        if (age > (this.options.lookupGiveUpMs ?? 3_600_000)) {
          this.options.log(`contact events: giving up on contact ${event.contactId}'s event: its attributes could not be read for ${Math.round(age / 60_000)} min`);
          tally.abandoned++;
          done.push(message);
        } else {
          tally.unresolved++;
          waitFor.push({ message, seconds: Math.min(retryAfter * 2 ** (receiveCount(message) - 1), MAX_LOOKUP_BACKOFF_SECONDS) });
        }
      } else if (resolution?.kind === 'unrecorded' || resolution?.kind === 'failed' || informative(event)) {
        // Its send is not recorded yet (or Connect does not know the contact yet), or a final event of a contact
        // no campaign here knows yet: tried again until the grace time, then taken for another dialer's.
        if (age > grace) {
          tally.foreign++;
          done.push(message);
        } else {
          tally.unknown++;
          waitFor.push({ message, seconds: retryAfter });
        }
      } else {
        // INITIATED and the like of a contact no campaign here knows (another dialer's, or a
        // BatchPutContact contact whose send is not recorded yet: its ContactId will be).
        tally.foreign++;
        done.push(message);
      }
    }
    tally.decided = decided.length;
    if (decided.length > 0) await this.options.onDecided?.(decided);
    await this.remove(done);
    await this.retryLater(waitFor);
    return tally;
  }

  /**
   * Links the campaign contacts among these unknown ones to their sends: their attributes name
   * the send's request token (CampaignContactResolver), the store links the contact to it. Only
   * contacts of v2 campaigns the store has noted are looked up, `lookupConcurrency` at a time.
   */
  private async resolveCampaignContacts(events: readonly ContactEventFacts[]): Promise<Map<string, Resolution>> {
    const resolver = this.options.campaignContacts;
    const resolutions = new Map<string, Resolution>();
    if (resolver === undefined) return resolutions;
    const ours = await this.outboundCampaigns(events.flatMap((e) => (e.campaignId === undefined ? [] : [e.campaignId])));
    const toLook = new Map<string, string>();
    for (const e of events) if (e.campaignId !== undefined && e.instanceId !== undefined && ours.has(e.campaignId)) toLook.set(e.contactId, e.instanceId);
    const links: CallLink[] = [];
    await eachAtMost(this.options.lookupConcurrency ?? MAX_MESSAGES, [...toLook], async ([contactId, instanceId]) => {
      try {
        const contact = await resolver.resolve(instanceId, contactId);
        if (contact.kind === 'no-send') {
          resolutions.set(contactId, { kind: 'names-no-send' });
        } else {
          resolutions.set(contactId, { kind: 'unrecorded' });
          links.push({ requestToken: contact.requestToken, contactId, instanceId });
        }
      } catch (err) {
        // Ids and the error's name only: no attribute, no number. An unknown contact may be Connect catching up.
        const notFound = err instanceof ResourceNotFoundException;
        this.options.log(`contact events: GetContactAttributes for contact ${contactId}: ${err instanceof Error ? err.name : String(err)}; the event comes again`);
        resolutions.set(contactId, { kind: 'failed', retryable: !notFound });
      }
    });
    // Throws when the store is unreachable: nothing is deleted, the queue delivers the batch again.
    for (const contactId of await this.options.store.linkCalls(links)) resolutions.set(contactId, { kind: 'linked' });
    return resolutions;
  }

  /** Which of these v2 campaign ids campaigns here send to: remembered, an unknown one asked again after a while. */
  private async outboundCampaigns(ids: readonly string[]): Promise<Set<string>> {
    const now = this.now();
    const ask = [...new Set(ids)].filter((id) => {
      const seen = this.campaigns.get(id);
      return seen === undefined || (seen !== true && seen <= now);
    });
    if (ask.length > 0) {
      const found = await this.options.store.outboundCampaignsAmong(ask);
      for (const id of ask) this.campaigns.set(id, found.has(id) ? true : now + UNKNOWN_CAMPAIGN_RECHECK_MS);
    }
    return new Set(ids.filter((id) => this.campaigns.get(id) === true));
  }

  private age(message: Message): number {
    const sent = Number(message.Attributes?.SentTimestamp);
    return Number.isFinite(sent) ? this.now() - sent : 0;
  }

  private async remove(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    const answer = await this.options.sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })) }),
    );
    // A failed delete is harmless: the message comes again and changes nothing.
    for (const f of answer.Failed ?? []) this.options.log(`contact events: delete ${f.Id} failed: ${f.Code ?? '?'} ${f.Message ?? ''}`);
  }

  private async retryLater(messages: readonly { message: Message; seconds: number }[]): Promise<void> {
    if (messages.length === 0) return;
    await this.options.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: messages.map(({ message, seconds }, i) => ({ Id: `m${i}`, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: seconds })),
      }),
    );
  }
}

/** How many times SQS has delivered this message (1 the first time). */
function receiveCount(message: Message): number {
  const n = Number(message.Attributes?.ApproximateReceiveCount);
  return Number.isFinite(n) && n >= 1 ? n : 1;
}

/** Runs `task` on every item, at most `limit` at once. */
async function eachAtMost<T>(limit: number, items: readonly T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** An event that says something about how the call went (INITIATED and the like do not). */
function informative(event: ContactEventFacts): boolean {
  const f = event.facts;
  return f.connected || f.ended || f.amdStatus !== undefined || f.disconnectReason !== undefined;
}
