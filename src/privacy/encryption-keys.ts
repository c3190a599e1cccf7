import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../config';
import { encryptionKey, type EncryptionKey } from './payload-codec';

export type EncryptionConfig = Pick<Config, 'CONNECT_DIALER_ENCRYPTION_KEY' | 'CONNECT_DIALER_ENCRYPTION_KEY_FILE' | 'CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS'>;

export interface EncryptionKeys {
  /** Encrypts everything this process writes. */
  current: EncryptionKey;
  /** Only decrypt: keys rotated out whose payloads may still be in histories. */
  previous: EncryptionKey[];
}

const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;

/** The configured keys, or undefined when encryption is off. Errors name the variable, never the key. */
export function encryptionKeysFrom(config: EncryptionConfig): EncryptionKeys | undefined {
  const fromEnv = config.CONNECT_DIALER_ENCRYPTION_KEY;
  const file = config.CONNECT_DIALER_ENCRYPTION_KEY_FILE;
  if (fromEnv !== undefined && file !== undefined) {
    throw new ConfigError('CONNECT_DIALER_ENCRYPTION_KEY and CONNECT_DIALER_ENCRYPTION_KEY_FILE are both set: set one');
  }
  const current = fromEnv ?? (file === undefined ? undefined : keyFromFile(file));
  const previous = (config.CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (current === undefined) {
    if (previous.length > 0) throw new ConfigError('CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS is set without CONNECT_DIALER_ENCRYPTION_KEY: set the current key too');
    return undefined;
  }
  const toKey = (base64: string) => encryptionKey(Buffer.from(base64, 'base64'));
  return { current: toKey(current), previous: previous.map(toKey) };
}

function keyFromFile(path: string): string {
  let contents: string;
  try {
    contents = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`CONNECT_DIALER_ENCRYPTION_KEY_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!BASE64_KEY.test(contents)) {
    throw new ConfigError(`CONNECT_DIALER_ENCRYPTION_KEY_FILE: ${path} must hold the base64 of 32 random bytes (make one with \`openssl rand -base64 32\`)`);
  }
  return contents;
}
