import { z } from 'zod';
import { registerSecrets, secretsIn } from './privacy/redaction';

/** Standard base64 of exactly 32 bytes (what `openssl rand -base64 32` prints): 43 characters and one `=`. */
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
const KEY_REASON = 'must be the base64 of 32 random bytes (make one with `openssl rand -base64 32`)';

/** Every setting connect-dialer reads from the environment, with its default: the one place for both. */
export const configSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('connect-dialer'),
  /** Temporal Cloud API key; turns TLS on. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  /** mTLS client certificate and key (paths), e.g. for Temporal Cloud with certificates. */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  /** The Connect endpoint: unset means real AWS; the emulator's URL for local runs. */
  CONNECT_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /**
   * The campaign store (staged entries, outcomes, attempts): any PostgreSQL. Unset means the
   * embedded PGlite store under CONNECT_DIALER_DATA_DIR, for one machine.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /**
   * Connect calls per second for every worker together (the server enforces it on each
   * Connect task queue): the account's quota for each API in this Region. Defaults: the
   * documented BatchPutContact quota (10/s); v2 has no published figure, so the same; chat
   * the 2/s most Connect APIs get.
   */
  CONNECT_BATCH_PUT_CONTACT_RATE: z.coerce.number().positive().default(10),
  CONNECT_OUTBOUND_REQUEST_BATCH_RATE: z.coerce.number().positive().default(10),
  CONNECT_CHAT_RATE: z.coerce.number().positive().default(2),
  /**
   * The build this worker runs: reported with every workflow task (a deployment version's
   * build id under Worker Versioning). A release sets it, e.g. to its git commit.
   */
  CONNECT_DIALER_BUILD_ID: z.string().min(1).max(255).default('dev'),
  /**
   * Turns Temporal Worker Versioning on under this deployment name: workers poll as version
   * <name>.<build id>, and a campaign follows the deployment's current version (AUTO_UPGRADE;
   * its workflow changes go behind patched()). Unset: unversioned workers.
   */
  CONNECT_DIALER_DEPLOYMENT_NAME: z.string().min(1).max(255).optional(),
  /** The embedded store and the dev stack's Temporal database. */
  CONNECT_DIALER_DATA_DIR: z.string().min(1).default('.data'),
  /** The worker serves Prometheus metrics on this port (`/metrics`); unset: no endpoint. */
  CONNECT_DIALER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Interface the metrics endpoint listens on. */
  CONNECT_DIALER_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /** Worker log lines: `json` (one object a line) or `text`; unset: text on a terminal, JSON otherwise. */
  CONNECT_DIALER_LOG_FORMAT: z.enum(['json', 'text']).optional(),
  /** Workflows a worker keeps in memory between tasks; 0 replays every task from history (memory-bound hosts, tests). */
  TEMPORAL_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  /**
   * The SQS queue an EventBridge rule sends Amazon Connect contact events to: the worker reads
   * what happened on each call from it (docs/call-outcomes.md). Unset: no call outcomes.
   */
  CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL: z.url().optional(),
  /** A call whose final contact event has not come this long after it was placed is asked about with DescribeContact. */
  CONNECT_DIALER_RECONCILE_AFTER_SECONDS: z.coerce.number().int().min(0).default(300),
  /**
   * Workers purge the contact data of campaigns that ended this many days ago (docs/compliance.md,
   * "Retention"); fractions allowed. Unset: contact data is kept until `connect-dialer purge`.
   */
  CONNECT_DIALER_RETENTION_DAYS: z.coerce.number().positive('a number of days above 0, e.g. 90').optional(),
  /**
   * Turns payload encryption on (AES-256-GCM, docs/privacy.md): the base64 of a 32-byte key.
   * Every worker and client of a namespace needs the same key. Or the key in a file:
   */
  CONNECT_DIALER_ENCRYPTION_KEY: z.string().trim().regex(BASE64_KEY, KEY_REASON).optional(),
  CONNECT_DIALER_ENCRYPTION_KEY_FILE: z.string().min(1).optional(),
  /** Keys rotated out that still decrypt what they encrypted: base64 keys separated by commas. */
  CONNECT_DIALER_PREVIOUS_ENCRYPTION_KEYS: z
    .string()
    .refine((keys) => keys.split(',').every((k) => BASE64_KEY.test(k.trim())), `each key ${KEY_REASON}`)
    .optional(),
  /** The codec server asks for `Authorization: Bearer <token>` when this is set. */
  CONNECT_DIALER_CODEC_SERVER_TOKEN: z.string().min(1).optional(),
  /** OTLP/HTTP collector (e.g. http://otel-collector:4318): traces are exported there; unset: no tracing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
});
export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const defined = Object.fromEntries(Object.entries({ ...env, ...overrides }).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(defined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  // From here on, nothing this process prints shows them (src/privacy/redaction.ts).
  registerSecrets(secretsIn(parsed.data));
  return parsed.data;
}
