import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../src/dev/ports';

const run = promisify(execFile);

export interface PostgresServerOptions {
  log?: (line: string) => void;
}

export interface PostgresServer {
  /** postgres://dialer@127.0.0.1:<port>/dialer, trust auth, so no password. */
  url: string;
  port: number;
  /** Data directory (also holds server.log and the Unix socket); removed by stop(). */
  dataDir: string;
  /** As the server reports it, e.g. "15.18 (Debian 15.18-0+deb12u1)". */
  version: string;
  /** Stops the server and removes its data; safe to call twice, never throws. */
  stop(): Promise<void>;
}

const USER = 'dialer';
const DATABASE = 'dialer';
const PORT_ATTEMPTS = 3;

/**
 * Starts a throwaway PostgreSQL cluster in a temp directory with the machine's own server
 * binaries (installed with apt-get when missing and allowed), creates the `dialer` database
 * and waits until it answers. Durability is switched off: the data dies with the run.
 */
export async function startPostgresServer(opts: PostgresServerOptions = {}): Promise<PostgresServer> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const bin = await resolvePostgresBin(log);
  // initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await ensurePostgresUser(log);
  const pg = (tool: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    // cwd: the postgres user may not be allowed into the caller's working directory.
    return run(file, argv, { cwd: tmpdir() });
  };

  const dataDir = await mkdtemp(join(tmpdir(), 'dialer-pg-'));
  const logFile = join(dataDir, 'server.log');
  let started = false;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // The pid file, not `started`: a start that timed out may still have left a server running.
      if (existsSync(join(dataDir, 'postmaster.pid'))) {
        await pg('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(async (err: unknown) => {
          log(`PostgreSQL did not stop cleanly, stopping it immediately: ${errorText(err)}`);
          await pg('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
        });
      }
      await rm(dataDir, { recursive: true, force: true }).catch((err: unknown) => log(`could not remove ${dataDir}: ${errorText(err)}`));
    })());

  try {
    if (asRoot) await run('chown', ['postgres:', dataDir]);
    await pg('initdb', ['-D', dataDir, '-A', 'trust', '-U', USER, '-E', 'UTF8', '--no-locale']);
    let port = 0;
    for (let attempt = 1; !started; attempt++) {
      port = await freePort();
      const serverOptions = `-p ${port} -k '${dataDir}' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
      try {
        await pg('pg_ctl', ['-D', dataDir, '-w', '-t', '120', '-l', logFile, 'start', '-o', serverOptions]);
        started = true;
      } catch (err) {
        // freePort() only says the port was free a moment ago; the Temporal server is picking ports at the same time.
        const portTaken = (await tail(logFile)).includes('already in use');
        if (!portTaken || attempt >= PORT_ATTEMPTS) throw err;
      }
    }
    const version = await createDatabase(port);
    return { url: `postgres://${USER}@127.0.0.1:${port}/${DATABASE}`, port, dataDir, version, stop };
  } catch (err) {
    const serverLog = await tail(logFile);
    await stop();
    throw new Error(`PostgreSQL did not start: ${errorText(err)}${serverLog ? `\nserver.log:\n${serverLog}` : ''}`, { cause: err });
  }
}

async function createDatabase(port: number): Promise<string> {
  const client = new Client({ host: '127.0.0.1', port, user: USER, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${DATABASE}`);
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}

/** The directory holding pg_ctl and initdb: PATH first, then the newest Debian install, else apt-get when we may. */
async function resolvePostgresBin(log: (line: string) => void): Promise<string> {
  const found = findPostgresBin();
  if (found) return found;
  const help =
    'PostgreSQL server binaries (pg_ctl, initdb) are needed for the test database and none were found on PATH or in /usr/lib/postgresql/*/bin. Install them: `apt-get install postgresql` on Debian/Ubuntu, `brew install postgresql` on macOS.';
  if (process.getuid?.() !== 0 || !onPath('apt-get')) throw new Error(help);
  await aptInstallPostgres(log);
  const installed = findPostgresBin();
  if (!installed) throw new Error(`apt-get installed postgresql but its binaries are still missing. ${help}`);
  return installed;
}

function findPostgresBin(): string | undefined {
  const pgCtl = onPath('pg_ctl');
  if (pgCtl && existsSync(join(dirname(pgCtl), 'initdb'))) return dirname(pgCtl);
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const newest = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))[0];
  return newest && join(root, newest, 'bin');
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

async function aptInstallPostgres(log: (line: string) => void): Promise<void> {
  const install = ['install', '-y', '--no-install-recommends', 'postgresql'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`PostgreSQL is not installed; running apt-get ${install.join(' ')} …`);
  try {
    await run('apt-get', install, { env, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    // A fresh container often has no package lists yet; update only then, since it is slow.
    log(`apt-get install failed (${errorText(err).split('\n').at(-1)}); running apt-get update and trying again …`);
    await run('apt-get', ['update'], { env, maxBuffer: 64 * 1024 * 1024 });
    await run('apt-get', install, { env, maxBuffer: 64 * 1024 * 1024 });
  }
  log('PostgreSQL installed.');
}

async function ensurePostgresUser(log: (line: string) => void): Promise<void> {
  const exists = await run('id', ['-u', 'postgres']).then(
    () => true,
    () => false,
  );
  if (exists) return;
  log('creating the `postgres` system user to own the test cluster (initdb refuses root) …');
  await run('useradd', ['--system', 'postgres']);
}

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** execFile's message already carries the tool's stderr. */
function errorText(err: unknown): string {
  return err instanceof Error ? err.message.trimEnd() : String(err);
}
