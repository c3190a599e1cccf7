import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** The encoding an encrypted payload carries (the name Temporal's samples and codec servers use). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with, so older keys can still decrypt it. */
export const METADATA_KEY_ID = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
/** GCM's recommended nonce: 12 random bytes, fresh for every payload. */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** An AES-256 key and the id written beside what it encrypts. */
export interface EncryptionKey {
  /** Public: a fingerprint of the key, never the key. */
  readonly id: string;
  readonly bytes: Buffer;
}

/** The id of a key: the first 8 bytes of its SHA-256 in hex, so ids need no configuration and never collide in practice. */
export function keyId(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

export function encryptionKey(bytes: Buffer): EncryptionKey {
  if (bytes.length !== KEY_BYTES) throw new RangeError(`an AES-256 key is ${KEY_BYTES} bytes, not ${bytes.length}`);
  return { id: keyId(bytes), bytes };
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** The variables that configure the keys, named by every error a reader must act on. */
const HOW_TO_SET_KEY = 'set CONNECT_DIALER_ENCRYPTION_KEY (or CONNECT_DIALER_ENCRYPTION_KEY_FILE) to the key it was encrypted with, see docs/privacy.md';

export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && text.decode(encoding) === ENCRYPTED_ENCODING;
}

function keyIdOf(payload: Payload): string {
  const id = payload.metadata?.[METADATA_KEY_ID];
  return id ? text.decode(id) : '(none)';
}

/**
 * Encrypts each whole payload (its metadata too, so not even the encoding shows) with
 * AES-256-GCM under the current key, and decrypts with whichever configured key the
 * payload's `encryption-key-id` names. Payloads that are not encrypted pass through on
 * decode: histories recorded before the key was set still read.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, EncryptionKey>;

  constructor(
    private readonly current: EncryptionKey,
    previous: readonly EncryptionKey[] = [],
  ) {
    this.byId = new Map([...previous, current].map((k) => [k.id, k]));
  }

  // Async so that a failure rejects, as codecs' callers expect, rather than throws.
  // eslint-disable-next-line @typescript-eslint/require-await
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encrypt(p));
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncrypted(p) ? this.decrypt(p) : p));
  }

  private encrypt(payload: Payload): Payload {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.bytes, nonce);
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: utf8.encode(this.current.id) },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    const id = keyIdOf(payload);
    const key = this.byId.get(id);
    if (!key) {
      throw new PayloadDecryptionError(
        `A payload is encrypted with key ${id}, which is not among this process's keys (${[...this.byId.keys()].join(', ')}): ` +
          'add it to CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS, see docs/privacy.md',
      );
    }
    const sealed = Buffer.from(payload.data ?? new Uint8Array());
    if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`An encrypted payload (key ${id}) is too short to be one`);
    const decipher = createDecipheriv(ALGORITHM, key.bytes, sealed.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`An encrypted payload (key ${id}) failed authentication: it was altered, or encrypted with another key under the same id`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

/**
 * The codec of a process without a key: it encodes nothing (payloads stay exactly as
 * without a codec), and meeting an encrypted payload fails with what to set.
 */
export class KeylessPayloadCodec implements PayloadCodec {
  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(payloads);
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    const encrypted = payloads.find(isEncrypted);
    if (encrypted) {
      return Promise.reject(new PayloadDecryptionError(`A payload is encrypted (key ${keyIdOf(encrypted)}) and this process has no key: ${HOW_TO_SET_KEY}`));
    }
    return Promise.resolve(payloads);
  }
}
