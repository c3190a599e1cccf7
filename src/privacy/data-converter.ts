import type { DataConverter } from '@temporalio/common';
import { ConfigError } from '../config';
import { encryptionKeysFrom, type EncryptionConfig } from './encryption-keys';
import { AesGcmPayloadCodec, KeylessPayloadCodec } from './payload-codec';

/** The module whose `failureConverter` encodes failures' messages and stacks (see encoded-failures.ts). */
export const ENCODED_FAILURES_PATH = require.resolve('./encoded-failures');

/**
 * The data converter of every Temporal client and worker connect-dialer makes: with a key,
 * payloads (inputs, results, signals, queries, updates, memos, failure details) and failure
 * messages are encrypted; without one, payloads are written as the SDK writes them and an
 * encrypted one read fails with what to set. Search attributes never pass through it.
 */
export function dataConverterFrom(config: EncryptionConfig): DataConverter {
  const keys = encryptionKeysFrom(config);
  if (!keys) return { payloadCodecs: [new KeylessPayloadCodec()] };
  return { payloadCodecs: [new AesGcmPayloadCodec(keys.current, keys.previous)], failureConverterPath: ENCODED_FAILURES_PATH };
}

/** Whether the workflow bundle must carry the encoding failure converter. */
export function encodesFailures(dataConverter: DataConverter | undefined): boolean {
  return dataConverter?.failureConverterPath === ENCODED_FAILURES_PATH;
}

/** The codec a codec server decodes with: it needs the keys. */
export function encryptingCodecFrom(config: EncryptionConfig): AesGcmPayloadCodec {
  const keys = encryptionKeysFrom(config);
  if (!keys) throw new ConfigError("the codec server decodes with the campaign workers' key: set CONNECT_DIALER_ENCRYPTION_KEY (or CONNECT_DIALER_ENCRYPTION_KEY_FILE)");
  return new AesGcmPayloadCodec(keys.current, keys.previous);
}
