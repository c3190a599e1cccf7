import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeRegistrations } from '../domain/search-attributes';
import { freePort } from './ports';
import { resolveTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  ip?: string;
  /** gRPC port; a free one when absent. */
  port?: number;
  /** Web UI port; a free one when absent. Ignored when headless. */
  uiPort?: number;
  headless?: boolean;
  /** A codec server the Web UI decodes payloads through (`--ui-codec-endpoint`), e.g. http://127.0.0.1:8888. */
  uiCodecEndpoint?: string;
  /** SQLite file that keeps state across restarts; in memory when absent. */
  dbFile?: string;
  namespace?: string;
  /** How long to wait for the server to answer (a loaded 2-core machine can take a while). */
  readyTimeoutMs?: number;
  /** Extra dynamic config, passed as `--dynamic-config-value KEY=<JSON value>`, e.g. `{ 'matching.enableFairness': true }`. */
  dynamicConfig?: Record<string, unknown>;
}

/**
 * Dynamic config for a Temporal server that runs connect-dialer's Connect task queues:
 * fairness on (campaigns share the rate by fairness key) and one partition, because the
 * server divides a task queue's rate over its partitions and a partition without backlog
 * wastes its share (4 partitions: 92% of the quota used; 1: 100%; `npm run bench:quota`).
 * The dev stack applies it to its whole dev server; a cluster sets it on the Connect task
 * queues (docs/configuration.md, docker-compose.yml).
 */
export const connectQueueDynamicConfig = {
  'matching.enableFairness': true,
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
} as const;

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/** Tries at starting a server whose ports were taken between being chosen and being bound. */
const PORT_RACE_TRIES = 3;

/**
 * Starts `temporal server start-dev` with the project's search attributes and waits until it
 * answers. Ports are chosen free at run time, and another process (a parallel test run) can
 * take one before the server binds it, or the HTTP and metrics ports the CLI picks itself: a
 * start that failed on "address already in use" is tried again with new ports.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(opts);
    } catch (err) {
      const raced = err instanceof Error && /address already in use/.test(err.message);
      if (!raced || attempt >= PORT_RACE_TRIES) throw err;
    }
  }
}

async function startDevServerOnce(opts: DevServerOptions): Promise<DevServer> {
  const cli = resolveTemporalCli();
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(ip));
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', 'error'];
  let uiUrl: string | undefined;
  if (opts.headless) {
    args.push('--headless');
  } else {
    const uiPort = opts.uiPort ?? (await freePort(ip));
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://${ip}:${uiPort}`;
    if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  }
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const sa of searchAttributeRegistrations) args.push('--search-attribute', sa);
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const address = `${ip}:${port}`;
  try {
    await waitUntilServing(child, address, namespace, opts.readyTimeoutMs ?? 90_000, output);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { address, namespace, uiUrl, stop: () => stopChild(child) };
}

async function waitUntilServing(child: ChildProcess, address: string, namespace: string, timeoutMs: number, output: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`temporal server start-dev exited with code ${child.exitCode}:\n${output.join('')}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}\n${output.join('')}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
