import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { z } from 'zod';

/**
 * The embedded store: PGlite (PostgreSQL in WASM) persisted under `<dir>/pglite`. PGlite
 * lives in one process, so the first process to open it owns it and serves it over the
 * PostgreSQL wire protocol on a loopback port; every process, the owner included, then
 * talks to it as to any PostgreSQL. `<dir>/owner.json` says where the owner listens.
 */
export interface EmbeddedStore {
  url: string;
  /** True in the process that owns PGlite (closing it stops the server). */
  owner: boolean;
  close(): Promise<void>;
}

const ownerSchema = z.object({ pid: z.number().int(), port: z.number().int().min(1).max(65535) });

const MAX_CONNECTIONS = 100;
const LOCK_WAIT_MS = 30_000;

/**
 * Opens the embedded store in `dir`: connects to its owner, or becomes the owner. An owner
 * runs `prepare` (the migrations) before it publishes its port, so no other process sees a
 * store without its schema — PGlite multiplexes every connection onto one session, so
 * migrations must not run while others query.
 */
export async function openEmbeddedStore(dir: string, prepare: (url: string) => Promise<void>): Promise<EmbeddedStore> {
  await mkdir(dir, { recursive: true });
  const ownerFile = join(dir, 'owner.json');
  const lockDir = join(dir, 'owner.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const running = await runningOwner(ownerFile);
    if (running) return { url: embeddedUrl(running.port), owner: false, close: () => Promise.resolve() };
    if (await takeLock(lockDir)) break;
    if (Date.now() > deadline) {
      throw new Error(`the embedded store in ${dir} is locked by another process that is not serving it; if none runs, delete ${lockDir}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  try {
    const db = await PGlite.create(join(dir, 'pglite'));
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS });
    await server.start();
    const port = listeningPort(server);
    await prepare(embeddedUrl(port));
    await writeFile(ownerFile, JSON.stringify({ pid: process.pid, port }) + '\n');
    let closed = false;
    return {
      url: embeddedUrl(port),
      owner: true,
      async close() {
        if (closed) return;
        closed = true;
        await rm(ownerFile, { force: true });
        await server.stop();
        await db.close();
        await rm(lockDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(lockDir, { recursive: true, force: true });
    throw err;
  }
}

function embeddedUrl(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
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
  return (await answers(parsed.data.port)) ? parsed.data : undefined;
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

function answers(port: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolveAnswer(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function listeningPort(server: PGLiteSocketServer): number {
  // The server is started on port 0; its net.Server knows the port the OS chose.
  const address = (server as unknown as { server?: { address(): unknown } }).server?.address();
  const port = typeof address === 'object' && address !== null ? (address as { port?: unknown }).port : undefined;
  if (typeof port !== 'number') throw new Error('the embedded store server did not report its port');
  return port;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
