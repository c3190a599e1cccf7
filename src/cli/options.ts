import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { config as loadDotEnv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from '../config';

/** The flags shared by every command that talks to Temporal or Connect, and the setting each overrides. */
const connectionFlags = [
  { name: 'address', flag: '--address <host:port>', key: 'TEMPORAL_ADDRESS', help: 'Temporal frontend address' },
  { name: 'namespace', flag: '--namespace <name>', key: 'TEMPORAL_NAMESPACE', help: 'Temporal namespace' },
  { name: 'taskQueue', flag: '--task-queue <name>', key: 'TEMPORAL_TASK_QUEUE', help: 'task queue the campaign workers poll' },
  { name: 'connectEndpoint', flag: '--connect-endpoint <url>', key: 'CONNECT_ENDPOINT', help: 'Amazon Connect endpoint: the emulator URL for local runs, unset for real AWS' },
  { name: 'region', flag: '--region <region>', key: 'AWS_REGION', help: 'AWS Region of the Connect instance' },
  {
    name: 'databaseUrl',
    flag: '--database-url <url>',
    key: 'DATABASE_URL',
    help: 'the campaign store: a PostgreSQL URL without a password (that goes in DATABASE_URL; unset: the embedded store in --data-dir)',
  },
  { name: 'dataDir', flag: '--data-dir <dir>', key: 'CONNECT_DIALER_DATA_DIR', help: 'folder for the embedded campaign store, reports and the dev stack' },
] as const satisfies readonly { name: string; flag: string; key: keyof Config; help: string }[];

type ConnectionFlag = (typeof connectionFlags)[number];
export type ConnectionFlags = Partial<Record<ConnectionFlag['name'], string>>;

/** Adds the shared connection flags (or only those for `keys`); each falls back to its environment variable. */
export function withConnectionOptions(command: Command, keys?: readonly ConnectionFlag['key'][]): Command {
  for (const f of connectionFlags) {
    if (keys && !keys.includes(f.key)) continue;
    command.addOption(new Option(f.flag, `${f.help} [env ${f.key}]`).helpGroup('Connection options:'));
  }
  return command;
}

/** The one configuration: flags over environment (and `.env`) over defaults, through loadConfig. */
export function configFrom(flags: ConnectionFlags): Config {
  if (flags.databaseUrl !== undefined && urlPassword(flags.databaseUrl)) {
    throw new ConfigError(
      '--database-url: carries a password, and every local user can read process arguments (ps): put the URL in DATABASE_URL (the environment or ./.env) instead, and change that password',
    );
  }
  const overrides: Record<string, string> = {};
  for (const f of connectionFlags) {
    const value = flags[f.name];
    if (value !== undefined) overrides[f.key] = value;
  }
  return loadConfig(process.env, overrides);
}

/** Loads `./.env` into process.env when present; variables already set win. */
export function loadEnvFile(cwd = process.cwd()): void {
  const path = resolve(cwd, '.env');
  if (existsSync(path)) loadDotEnv({ path, quiet: true });
}

/**
 * A numeric flag of a campaign, as given: not range-checked here, because the campaign
 * schema is the one place that says what is valid (and names the field when it is not).
 */
export function numberArg(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

/** A TCP port flag (not part of a campaign, so checked here). */
export function portArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a TCP port (0-65535)`);
  return n;
}

function urlPassword(url: string): string {
  try {
    return new URL(url).password;
  } catch {
    // Not a URL: the config schema says why.
    return '';
  }
}
