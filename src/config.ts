import { z } from 'zod';

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
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  /**
   * Connect calls per second for every worker together (the server enforces it on each
   * Connect task queue): the account's quota for each API in this Region. Defaults: the
   * documented BatchPutContact quota (10/s); v2 has no published figure, so the same; chat
   * the 2/s most Connect APIs get.
   */
  CONNECT_BATCH_PUT_CONTACT_RATE: z.coerce.number().positive().default(10),
  CONNECT_OUTBOUND_REQUEST_BATCH_RATE: z.coerce.number().positive().default(10),
  CONNECT_CHAT_RATE: z.coerce.number().positive().default(2),
  /** The embedded store and the dev stack's Temporal database. */
  CONNECT_DIALER_DATA_DIR: z.string().min(1).default('.data'),
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
  return parsed.data;
}
