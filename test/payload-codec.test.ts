import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError, loadConfig } from '../src/config';
import { encryptionKeysFrom } from '../src/privacy/encryption-keys';
import { AesGcmPayloadCodec, encryptionKey, KeylessPayloadCodec, METADATA_KEY_ID } from '../src/privacy/payload-codec';

const NUMBER = '+14155550123';
const plain = (): Payload[] => [defaultPayloadConverter.toPayload({ phone: NUMBER, message: 'See you Tuesday' })];
const text = (p: Payload | undefined): string => Buffer.from(p?.data ?? []).toString('latin1') + JSON.stringify(p?.metadata ?? {});
const newKey = () => encryptionKey(randomBytes(32));

describe('the AES-256-GCM payload codec', () => {
  test('encrypts the whole payload under the current key id and decrypts it back', async () => {
    const key = newKey();
    const codec = new AesGcmPayloadCodec(key);
    const [sealed] = await codec.encode(plain());
    assert.ok(sealed);
    assert.ok(!text(sealed).includes(NUMBER), 'the number is in clear');
    assert.ok(!text(sealed).includes('json/plain'), 'the inner encoding is in clear');
    assert.equal(Buffer.from(sealed.metadata?.[METADATA_KEY_ID] ?? []).toString(), key.id);
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([sealed]))[0]!), { phone: NUMBER, message: 'See you Tuesday' });
  });

  test('two encryptions of one payload differ (a fresh nonce each time)', async () => {
    const codec = new AesGcmPayloadCodec(newKey());
    const [a] = await codec.encode(plain());
    const [b] = await codec.encode(plain());
    assert.notDeepEqual(a?.data, b?.data);
  });

  test('after a rotation, payloads of the previous key still decrypt and new ones use the new key', async () => {
    const [oldKey, current] = [newKey(), newKey()];
    const [old] = await new AesGcmPayloadCodec(oldKey).encode(plain());
    const rotated = new AesGcmPayloadCodec(current, [oldKey]);
    assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!), { phone: NUMBER, message: 'See you Tuesday' });
    const [fresh] = await rotated.encode(plain());
    assert.equal(Buffer.from(fresh?.metadata?.[METADATA_KEY_ID] ?? []).toString(), current.id);
    await assert.rejects(new AesGcmPayloadCodec(current).decode([old!]), new RegExp(`key ${oldKey.id}.*CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS`));
  });

  test('an altered payload fails authentication', async () => {
    const codec = new AesGcmPayloadCodec(newKey());
    const [sealed] = await codec.encode(plain());
    const data = Buffer.from(sealed!.data!);
    data[20] = data[20]! ^ 1;
    await assert.rejects(codec.decode([{ ...sealed, data }]), /failed authentication/);
  });

  test('payloads written without a key pass through decoding', async () => {
    const payloads = plain();
    assert.deepEqual(await new AesGcmPayloadCodec(newKey()).decode(payloads), payloads);
  });
});

describe('a process without a key', () => {
  test('writes payloads exactly as the SDK does', async () => {
    const payloads = plain();
    assert.deepEqual(await new KeylessPayloadCodec().encode(payloads), payloads);
  });

  test('meeting an encrypted payload says which variable to set', async () => {
    const [sealed] = await new AesGcmPayloadCodec(newKey()).encode(plain());
    await assert.rejects(new KeylessPayloadCodec().decode([sealed!]), /encrypted .*CONNECT_DIALER_ENCRYPTION_KEY/);
  });
});

describe('encryption keys from configuration', () => {
  test('no key: encryption off', () => {
    assert.equal(encryptionKeysFrom(loadConfig({})), undefined);
  });

  test('a key that is not the base64 of 32 bytes is refused, naming the variable and not echoing the value', () => {
    const short = randomBytes(16).toString('base64');
    assert.throws(
      () => loadConfig({ CONNECT_DIALER_ENCRYPTION_KEY: short }),
      (err: Error) => err instanceof ConfigError && /CONNECT_DIALER_ENCRYPTION_KEY: must be the base64 of 32 random bytes/.test(err.message) && !err.message.includes(short),
    );
    assert.throws(
      () => loadConfig({ CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS: `${randomBytes(32).toString('base64')},nope` }),
      /CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS: each key must be/,
    );
  });

  test('a key file holds the key; a bad one is refused naming CONNECT_DIALER_ENCRYPTION_KEY_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'connect-dialer-key-'));
    try {
      const bytes = randomBytes(32);
      writeFileSync(join(dir, 'key'), bytes.toString('base64') + '\n');
      assert.equal(encryptionKeysFrom(loadConfig({ CONNECT_DIALER_ENCRYPTION_KEY_FILE: join(dir, 'key') }))?.current.id, encryptionKey(bytes).id);
      writeFileSync(join(dir, 'bad'), 'secret-but-short\n');
      assert.throws(
        () => encryptionKeysFrom(loadConfig({ CONNECT_DIALER_ENCRYPTION_KEY_FILE: join(dir, 'bad') })),
        (err: Error) => /CONNECT_DIALER_ENCRYPTION_KEY_FILE: .* must hold the base64 of 32 random bytes/.test(err.message) && !err.message.includes('secret-but-short'),
      );
      assert.throws(() => encryptionKeysFrom(loadConfig({ CONNECT_DIALER_ENCRYPTION_KEY_FILE: join(dir, 'missing') })), /CONNECT_DIALER_ENCRYPTION_KEY_FILE: cannot read .*ENOENT/);
      assert.throws(
        () => encryptionKeysFrom(loadConfig({ CONNECT_DIALER_ENCRYPTION_KEY_FILE: join(dir, 'key'), CONNECT_DIALER_ENCRYPTION_KEY: bytes.toString('base64') })),
        /both set/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('previous keys decrypt only with a current key set', () => {
    const [current, previous] = [randomBytes(32), randomBytes(32)];
    const keys = encryptionKeysFrom(
      loadConfig({ CONNECT_DIALER_ENCRYPTION_KEY: current.toString('base64'), CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS: ` ${previous.toString('base64')} ` }),
    );
    assert.deepEqual(
      keys?.previous.map((k) => k.id),
      [encryptionKey(previous).id],
    );
    assert.throws(() => encryptionKeysFrom(loadConfig({ CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS: previous.toString('base64') })), /without CONNECT_DIALER_ENCRYPTION_KEY/);
  });
});
