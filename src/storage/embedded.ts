import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { z } from 'zod';

/**
 * The embedded store: PGlite (PostgreSQL in WASM) persisted under `<dir>/pglite`. PGlite
 * lives in one process, so the first process to open it owns it and serves it over the
 * PostgreSQL wire protocol on a Unix socket; every process, the owner included, then
 * talks to it as to any PostgreSQL. `<dir>/owner.json` says where the owner listens.
 *
 * Private to the OS user that owns `<dir>`: the folder is mode 0700 and the socket lives in
 * it (or, when that path is too long for a socket, in a 0700 folder of its own under the
 * temporary directory), so no other local user can reach the store's files or its socket,
 * while every process of the same user finds it with no set-up (issue 22, docs/privacy.md).
 */
export interface EmbeddedStore {
  url: string;
  /** True in the process that owns PGlite (closing it stops the server). */
  owner: boolean;
  close(): Promise<void>;
}

const ownerSchema = z.object({ pid: z.number().int(), socketDir: z.string().min(1) });

/** PostgreSQL's name for a server's socket in its socket folder (node-postgres connects to `<host>/.s.PGSQL.<port>`). */
const SOCKET_PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
/** sun_path holds 108 bytes on Linux and 104 on macOS, with its terminating NUL. */
const MAX_SOCKET_PATH = 103;
/** Only the owner may enter. */
const PRIVATE_DIR_MODE = 0o700;

const MAX_CONNECTIONS = 100;
const LOCK_WAIT_MS = 30_000;

/**
 * PostgreSQL settings for PGlite only (given at start-up, so stores made by older versions get
 * them too). initdb sets shared_buffers to 128MB, and PGlite's WebAssembly memory holds all of
 * it, resident from the start and never given back: ~140 MiB of the worker's RSS. At 16MB the
 * pages the store reads again (an index's upper levels, the newest pages) stay in the buffers
 * and the rest comes from the OS's page cache, which is not the worker's memory.
 */
const PGLITE_SETTINGS = ['shared_buffers=16MB'];

/**
 * Opens the embedded store in `dir`: connects to its owner, or becomes the owner. An owner
 * runs `prepare` (the migrations) before it publishes its port, so no other process sees a
 * store without its schema — PGlite multiplexes every connection onto one session, so
 * migrations must not run while others query.
 */
export async function openEmbeddedStore(dir: string, prepare: (url: string) => Promise<void>): Promise<EmbeddedStore> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // A folder made by an older version (or another umask) is closed too.
  await chmod(dir, PRIVATE_DIR_MODE);
  const ownerFile = join(dir, 'owner.json');
  const lockDir = join(dir, 'owner.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const running = await runningOwner(ownerFile);
    if (running) return { url: embeddedUrl(running.socketDir), owner: false, close: () => Promise.resolve() };
    if (await takeLock(lockDir)) break;
    if (Date.now() > deadline) {
      throw new Error(`the embedded store in ${dir} is locked by another process that is not serving it; if none runs, delete ${lockDir}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  try {
    const socketDir = await privateSocketDir(dir);
    // A socket left by an owner that was killed; the lock says none serves it now.
    await rm(join(socketDir, SOCKET_NAME), { force: true });
    const dataFolder = join(dir, 'pglite');
    await initialiseInChildProcess(dataFolder);
    const db = await PGlite.create(dataFolder, { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ['-c', s])] });
    const server = new PGLiteSocketServer({ db, path: join(socketDir, SOCKET_NAME), maxConnections: MAX_CONNECTIONS });
    await server.start();
    await prepare(embeddedUrl(socketDir));
    await writeFile(ownerFile, JSON.stringify({ pid: process.pid, socketDir }) + '\n', { mode: 0o600 });
    let closed = false;
    return {
      url: embeddedUrl(socketDir),
      owner: true,
      async close() {
        if (closed) return;
        closed = true;
        await rm(ownerFile, { force: true });
        await server.stop();
        await db.close();
        await rm(join(socketDir, SOCKET_NAME), { force: true });
        if (socketDir !== dir) await rm(socketDir, { recursive: true, force: true });
        await rm(lockDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(lockDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Creates the database folder in a child process (src/storage/embedded-initdb.cjs) when it has
 * none yet: PGlite's initdb peaks at 700–800 MiB, and the process that ran it kept RSS it never
 * gave back (~145 MiB in a process that only opens the store, ~40 MiB in a worker).
 */
async function initialiseInChildProcess(dataFolder: string): Promise<void> {
  if (existsSync(join(dataFolder, 'PG_VERSION'))) return;
  const child = spawn(process.execPath, [join(__dirname, 'embedded-initdb.cjs'), dataFolder, ...PGLITE_SETTINGS], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // Not this process's preloads (a bench's memory probe): initdb is a process of its own.
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`creating the embedded store's database in ${dataFolder} failed (embedded-initdb.cjs exited ${code}): ${stderr.trim()}`);
}

/** The store's own folder when the socket's path fits there, else a fresh 0700 folder under the temporary directory. */
async function privateSocketDir(dir: string): Promise<string> {
  if (Buffer.byteLength(join(dir, SOCKET_NAME)) <= MAX_SOCKET_PATH) return dir;
  return mkdtemp(join(tmpdir(), 'connect-dialer-store-'));
}

/** node-postgres reads a `host` that is a path as the folder of a Unix socket. */
function embeddedUrl(socketDir: string): string {
  return `postgres://postgres@/postgres?host=${encodeURIComponent(socketDir)}&port=${SOCKET_PORT}`;
}

/** The owner named in owner.json, when that process is alive and its port answers. */
async function runningOwner(ownerFile: string): Promise<z.infer<typeof ownerSchema> | undefined> {
  let text: string;
  try {
    text = await readFile(ownerFile, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = ownerSchema.safeParse(safeJson(text));
  if (!parsed.success || !isAlive(parsed.data.pid)) return undefined;
  return (await answers(join(parsed.data.socketDir, SOCKET_NAME))) ? parsed.data : undefined;
}

/**
 * mkdir is atomic: one process wins. A lock left by a process that died (SIGKILL) is taken
 * over, which is safe because PGlite recovers its data folder like PostgreSQL after a crash.
 */
async function takeLock(lockDir: string): Promise<boolean> {
  try {
    await mkdir(lockDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => ''));
    // No pid yet: the holder is between mkdir and writing it; wait for it.
    if (!Number.isInteger(holder) || holder <= 0 || isAlive(holder)) return false;
    await rm(lockDir, { recursive: true, force: true });
    return takeLock(lockDir);
  }
  await writeFile(join(lockDir, 'pid'), String(process.pid));
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ path: socketPath });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolveAnswer(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
