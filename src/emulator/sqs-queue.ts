import { createHash, randomUUID } from 'node:crypto';

/** A standard queue's defaults, as SQS creates one. */
export const DEFAULT_VISIBILITY_TIMEOUT_S = 30;
/** SQS keeps a message 4 days by default; the emulator forgets it only when deleted or reset. */

interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentAt: number;
  /** Invisible until then (ms); 0 = visible. */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The receipt handle of the newest receive: only it deletes the message. */
  receipt?: string;
}

export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
}

/** What a receipt handle says about the message it was issued for. */
export type ReceiptLookup = { kind: 'current'; messageId: string } | { kind: 'stale' } | { kind: 'invalid' };

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * One standard SQS queue in memory: at-least-once, unordered delivery with visibility
 * timeouts and receipt handles. A receive hides a message for the visibility timeout; a
 * message not deleted by then is delivered again with a new receipt handle. Long polls
 * wait for a message to become visible.
 */
export class MessageQueue {
  private messages = new Map<string, StoredMessage>();
  /** Every receipt handle ever issued, to its message id: a stale one deletes nothing but is no error (as SQS answers). */
  private receipts = new Map<string, string>();
  private waiters = new Set<() => void>();
  visibilityTimeoutS = DEFAULT_VISIBILITY_TIMEOUT_S;
  readonly createdAt: number;

  constructor(
    readonly name: string,
    private readonly now: () => number,
  ) {
    this.createdAt = now();
  }

  send(body: string, delaySeconds = 0): { MessageId: string; MD5OfMessageBody: string } {
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      sentAt: this.now(),
      visibleAt: delaySeconds > 0 ? this.now() + delaySeconds * 1000 : 0,
      receiveCount: 0,
    };
    this.messages.set(message.messageId, message);
    if (delaySeconds > 0) setTimeout(() => this.wake(), delaySeconds * 1000).unref();
    else this.wake();
    return { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
  }

  /** Up to `max` visible messages, hidden for `visibilityTimeoutS` from now. */
  receive(max: number, visibilityTimeoutS: number | undefined, attributeNames: ReadonlySet<string>): ReceivedMessage[] {
    const now = this.now();
    const timeout = (visibilityTimeoutS ?? this.visibilityTimeoutS) * 1000;
    const taken: ReceivedMessage[] = [];
    for (const m of this.messages.values()) {
      if (taken.length >= max) break;
      if (m.visibleAt > now) continue;
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + timeout;
      // A timeout of 0 makes it visible again at once; a wake-up tells waiting polls.
      if (timeout > 0) setTimeout(() => this.wake(), timeout + 5).unref();
      m.receipt = `${randomUUID()}.${Buffer.from(m.messageId).toString('base64url')}`;
      this.receipts.set(m.receipt, m.messageId);
      taken.push({ MessageId: m.messageId, ReceiptHandle: m.receipt, MD5OfBody: m.md5OfBody, Body: m.body, ...attributesOf(m, attributeNames) });
    }
    // Received messages go to the back, so one that keeps failing does not stand first in line.
    for (const t of taken) {
      const m = this.messages.get(t.MessageId);
      if (m) {
        this.messages.delete(t.MessageId);
        this.messages.set(t.MessageId, m);
      }
    }
    return taken;
  }

  /** Waits until a message may be visible or `ms` pass (or `aborted` fires). */
  waitForMessages(ms: number, aborted: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        aborted.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      aborted.addEventListener('abort', done);
    });
  }

  lookupReceipt(handle: string): ReceiptLookup {
    const messageId = this.receipts.get(handle);
    if (messageId === undefined) return { kind: 'invalid' };
    const m = this.messages.get(messageId);
    return m?.receipt === handle ? { kind: 'current', messageId } : { kind: 'stale' };
  }

  /** Deletes by receipt handle; a stale handle (the message was received again since) deletes nothing. */
  delete(handle: string): ReceiptLookup {
    const found = this.lookupReceipt(handle);
    if (found.kind === 'current') {
      this.messages.delete(found.messageId);
      this.receipts.delete(handle);
    }
    return found;
  }

  /** ChangeMessageVisibility: 'not-inflight' when the message is visible (no receive holds it). */
  changeVisibility(handle: string, timeoutS: number): ReceiptLookup | { kind: 'not-inflight' } {
    const found = this.lookupReceipt(handle);
    if (found.kind !== 'current') return found;
    const m = this.messages.get(found.messageId);
    if (!m || m.visibleAt <= this.now()) return { kind: 'not-inflight' };
    m.visibleAt = this.now() + timeoutS * 1000;
    if (timeoutS === 0) this.wake();
    else setTimeout(() => this.wake(), timeoutS * 1000 + 5).unref();
    return found;
  }

  counts(): { visible: number; inFlight: number } {
    const now = this.now();
    let visible = 0;
    for (const m of this.messages.values()) if (m.visibleAt <= now) visible++;
    return { visible, inFlight: this.messages.size - visible };
  }

  clear(): void {
    this.messages.clear();
    this.receipts.clear();
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

function attributesOf(m: StoredMessage, names: ReadonlySet<string>): { Attributes?: Record<string, string> } {
  if (names.size === 0) return {};
  const all = names.has('All');
  const attributes: Record<string, string> = {};
  const put = (name: string, value: string | undefined): void => {
    if (value !== undefined && (all || names.has(name))) attributes[name] = value;
  };
  put('SenderId', 'AIDAEMULATOR');
  put('SentTimestamp', String(m.sentAt));
  put('ApproximateReceiveCount', String(m.receiveCount));
  put('ApproximateFirstReceiveTimestamp', m.firstReceivedAt === undefined ? undefined : String(m.firstReceivedAt));
  return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
}
