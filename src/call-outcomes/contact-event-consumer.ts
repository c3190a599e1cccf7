import { setTimeout as sleep } from 'node:timers/promises';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { parseContactEvent, type ContactEventFacts } from '../domain/call-disposition';
import type { CallResultStore, DecidedCall } from '../storage/call-results';

export interface ContactEventConsumerOptions {
  sqs: SQSClient;
  /** CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL: the queue an EventBridge rule sends Amazon Connect contact events to. */
  queueUrl: string;
  store: Pick<CallResultStore, 'recordCallFacts'>;
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
}

const MAX_MESSAGES = 10;

/**
 * Reads Amazon Connect contact events from SQS and stores what happened on each call
 * (docs/call-outcomes.md). A message is deleted only once the store has its facts, so a
 * worker killed mid-batch loses nothing: the queue delivers the message again. Facts merge
 * and a disposition is written once, so duplicated and reordered events change nothing. A
 * message that is not a contact event is deleted at once (it will never parse): no poison
 * message blocks the queue.
 */
export class ContactEventConsumer {
  private readonly now: () => number;

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
    const tally: BatchTally = { applied: 0, poison: 0, unknown: 0, foreign: 0, decided: 0 };
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
    const { known, decided } = await this.options.store.recordCallFacts(events.map(({ event }) => ({ contactId: event.contactId, facts: event.facts, source: 'EVENT' })));
    const retry: Message[] = [];
    for (const { message, event } of events) {
      if (known.has(event.contactId)) {
        tally.applied++;
        done.push(message);
      } else if (!informative(event) || this.age(message) > (this.options.unknownContactGraceMs ?? 600_000)) {
        tally.foreign++;
        done.push(message);
      } else {
        tally.unknown++;
        retry.push(message);
      }
    }
    tally.decided = decided.length;
    if (decided.length > 0) await this.options.onDecided?.(decided);
    await this.remove(done);
    await this.retryLater(retry);
    return tally;
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

  private async retryLater(messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    const after = this.options.retryUnknownAfterSeconds ?? 5;
    await this.options.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: after })),
      }),
    );
  }
}

/** An event that says something about how the call went (INITIATED and the like do not). */
function informative(event: ContactEventFacts): boolean {
  const f = event.facts;
  return f.connected || f.ended || f.amdStatus !== undefined || f.disconnectReason !== undefined;
}
