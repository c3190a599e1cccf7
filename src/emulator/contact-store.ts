import { randomFillSync } from 'node:crypto';
import type { ContactChannel, ContactQuery, CreatedContact } from './types';

/** A contact about to be stored: what it will carry, before its id is drawn. */
export type NewContact = Omit<CreatedContact, 'contactId' | 'createdAt'> & { createdAt: number };

const NONE = -1;
/** A contact's channel as stored: its index here. */
const CHANNELS: readonly ContactChannel[] = ['VOICE', 'CHAT', 'OUTBOUND_REQUEST'];
const INITIAL_CAPACITY = 1024;
/** Random bytes are drawn this many ContactIds at a time: one syscall per contact is the hot spot. */
const RANDOM_POOL_IDS = 4096;

class RandomPool {
  private readonly pool = Buffer.alloc(RANDOM_POOL_IDS * 16);
  private used = RANDOM_POOL_IDS * 16;
  /** Copies 16 fresh random bytes into `target` at `offset`. */
  take16(target: Buffer, offset: number): void {
    if (this.used === this.pool.length) {
      randomFillSync(this.pool);
      this.used = 0;
    }
    this.pool.copy(target, offset, this.used, this.used + 16);
    this.used += 16;
  }
}
const randomPool = new RandomPool();

/** Repeated strings (instance, campaign, queue, batch token) are kept once and referenced by number. */
class Interner {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];
  id(value: string | undefined): number {
    if (value === undefined) return NONE;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
  find(value: string): number | undefined {
    return this.ids.get(value);
  }
  value(id: number): string | undefined {
    return id === NONE ? undefined : this.values[id];
  }
}

function grown<T extends Int32Array | Float64Array | Uint8Array>(array: T, capacity: number, make: (n: number) => T): T {
  const next = make(capacity);
  next.set(array);
  return next;
}

function formatUuid(bytes: Buffer, offset: number): string {
  const hex = bytes.toString('hex', offset, offset + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Created contacts, stored by column so a million fit in a modest heap: ContactIds as 16
 * raw bytes, repeated strings interned, attributes as one JSON string, times as numbers.
 * Contacts of one call are added together, so they sit at consecutive indexes.
 */
export class ContactStore {
  private count = 0;
  private capacity = INITIAL_CAPACITY;
  private interner = new Interner();
  private ids = Buffer.alloc(INITIAL_CAPACITY * 16);
  private channel = new Uint8Array(INITIAL_CAPACITY);
  private instance = new Int32Array(INITIAL_CAPACITY);
  private token = new Int32Array(INITIAL_CAPACITY);
  private campaign = new Int32Array(INITIAL_CAPACITY);
  private queue = new Int32Array(INITIAL_CAPACITY);
  private createdAt = new Float64Array(INITIAL_CAPACITY);
  private requestIdentifier: (string | undefined)[] = [];
  private address: (string | undefined)[] = [];
  private attributes: (string | undefined)[] = [];
  /** Only chats have one: sparse. */
  private related = new Map<number, string>();

  get size(): number {
    return this.count;
  }

  /** Adds a contact with a new random (v4) ContactId; returns its index. */
  add(c: NewContact): number {
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    const at = i * 16;
    randomPool.take16(this.ids, at);
    this.ids[at + 6] = ((this.ids[at + 6] ?? 0) & 0x0f) | 0x40;
    this.ids[at + 8] = ((this.ids[at + 8] ?? 0) & 0x3f) | 0x80;
    this.channel[i] = CHANNELS.indexOf(c.channel);
    this.instance[i] = this.interner.id(c.instanceId);
    this.token[i] = this.interner.id(c.clientToken);
    this.campaign[i] = this.interner.id(c.campaignId);
    this.queue[i] = this.interner.id(c.queueId);
    this.createdAt[i] = c.createdAt;
    this.requestIdentifier[i] = c.requestIdentifier;
    this.address[i] = c.customerAddress;
    this.attributes[i] = c.attributes === undefined ? undefined : JSON.stringify(c.attributes);
    if (c.relatedContactId !== undefined) this.related.set(i, c.relatedContactId);
    return i;
  }

  contactId(i: number): string {
    return formatUuid(this.ids, i * 16);
  }

  requestIdentifierOf(i: number): string | undefined {
    return this.requestIdentifier[i];
  }

  get(i: number): CreatedContact {
    const contact: CreatedContact = {
      contactId: this.contactId(i),
      channel: CHANNELS[this.channel[i] ?? 0] ?? 'VOICE',
      instanceId: this.interner.value(this.instance[i] ?? NONE) ?? '',
      createdAt: new Date(this.createdAt[i] ?? 0).toISOString(),
    };
    const optional: Partial<CreatedContact> = {
      clientToken: this.interner.value(this.token[i] ?? NONE),
      requestIdentifier: this.requestIdentifier[i],
      customerAddress: this.address[i],
      relatedContactId: this.related.get(i),
      campaignId: this.interner.value(this.campaign[i] ?? NONE),
      queueId: this.interner.value(this.queue[i] ?? NONE),
    };
    for (const [key, value] of Object.entries(optional)) {
      if (value !== undefined) Object.assign(contact, { [key]: value });
    }
    const attributes = this.attributes[i];
    if (attributes !== undefined) contact.attributes = JSON.parse(attributes) as Record<string, string>;
    return contact;
  }

  /** Indexes of contacts already created with this client token (a rare, linear lookup). */
  indexesWithToken(clientToken: string): number[] {
    const id = this.interner.find(clientToken);
    if (id === undefined) return [];
    const found: number[] = [];
    for (let i = 0; i < this.count; i++) if (this.token[i] === id) found.push(i);
    return found;
  }

  *query(q: ContactQuery = {}): Generator<CreatedContact> {
    const channel = q.channel === undefined ? undefined : CHANNELS.indexOf(q.channel);
    const instance = q.instanceId === undefined ? undefined : this.interner.find(q.instanceId);
    if (q.instanceId !== undefined && instance === undefined) return;
    for (let i = 0; i < this.count; i++) {
      if (channel !== undefined && this.channel[i] !== channel) continue;
      if (instance !== undefined && this.instance[i] !== instance) continue;
      yield this.get(i);
    }
  }

  clear(): void {
    const fresh = new ContactStore();
    Object.assign(this, fresh);
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const ids = Buffer.alloc(capacity * 16);
    this.ids.copy(ids);
    this.ids = ids;
    this.channel = grown(this.channel, capacity, (n) => new Uint8Array(n));
    this.instance = grown(this.instance, capacity, (n) => new Int32Array(n));
    this.token = grown(this.token, capacity, (n) => new Int32Array(n));
    this.campaign = grown(this.campaign, capacity, (n) => new Int32Array(n));
    this.queue = grown(this.queue, capacity, (n) => new Int32Array(n));
    this.createdAt = grown(this.createdAt, capacity, (n) => new Float64Array(n));
    this.capacity = capacity;
  }
}
