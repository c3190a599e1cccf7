// What every end-to-end bench stands on: a Temporal dev server, the Connect emulator, a data
// folder and a client connection, all stopped together; worker processes to kill at will.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../src/dev/temporal-server';
import { startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator';
import { workerLaunchEnv, workerNodeFlags } from '../src/worker-launch';
import { benchPhoneNumber } from './phone-numbers';

export interface BenchStack {
  dataDir: string;
  server: DevServer;
  emulator: Emulator;
  connection: Connection;
  /**
   * A worker as its own process (src/worker.ts, or lib/worker.js with `workerCode: 'compiled'`; launched with the image's flags: src/worker-launch.ts), killed with the stack if still running;
   * `env` adds to or overrides its environment (e.g. DATABASE_URL, CONNECT_BATCH_PUT_CONTACT_RATE).
   */
  spawnWorker(taskQueue: string, env?: Record<string, string>): ChildProcess;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  /** Extra dynamic config for the Temporal dev server, e.g. `{ 'matching.enableFairness': true }`. */
  dynamicConfig?: Record<string, unknown>;
  /** Where the workers' stderr goes: dropped unless 'inherit'. */
  workerStderr?: 'ignore' | 'inherit';
  /**
   * The worker's code: 'compiled' runs lib/worker.js with plain node, as the production image
   * does (the bench builds lib/ first); 'source' runs src/worker.ts through tsx, whose loader
   * thread and transform cache add to the worker's memory. 'source' when absent.
   */
  workerCode?: WorkerCode;
}

export type WorkerCode = 'compiled' | 'source';

/** Builds lib/ (`npm run build`) for benches that run the compiled worker. */
export function buildCompiledWorker(): void {
  const started = Date.now();
  const build = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build failed: the compiled worker cannot be benched (see the errors above)');
  console.error(`built lib/ for the compiled worker in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

export async function startBenchStack(name: string, emulatorOptions: EmulatorOptions = {}, options: BenchStackOptions = {}): Promise<BenchStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `connect-dialer-${name}-`));
  const server = await startDevServer({ headless: true, dynamicConfig: options.dynamicConfig });
  const emulator = await startEmulator({ quiet: true, ...emulatorOptions });
  const connection = await Connection.connect({ address: server.address });
  const workers: ChildProcess[] = [];
  return {
    dataDir,
    server,
    emulator,
    connection,
    spawnWorker(taskQueue, env = {}) {
      const code = options.workerCode === 'compiled' ? [join(__dirname, '..', 'lib', 'worker.js')] : ['--import', 'tsx', join(__dirname, '..', 'src', 'worker.ts')];
      const child = spawn(process.execPath, [...workerNodeFlags, ...code], {
        env: {
          ...process.env,
          ...workerLaunchEnv,
          TEMPORAL_ADDRESS: server.address,
          TEMPORAL_TASK_QUEUE: taskQueue,
          CONNECT_ENDPOINT: emulator.url,
          CONNECT_DIALER_DATA_DIR: dataDir,
          ...env,
        },
        stdio: ['ignore', 'ignore', options.workerStderr ?? 'ignore'],
      });
      workers.push(child);
      return child;
    },
    async stop() {
      for (const w of workers) w.kill('SIGKILL');
      await connection.close();
      await emulator.stop();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A process's resident set size from /proc/<pid>/status (VmRSS), in bytes; 0 once it is gone. */
export async function processRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kib ? Number(kib) * 1024 : 0;
}

/** Waits until some worker polls `taskQueue` for workflow or activity tasks (a worker process bundles its workflows first). */
export async function waitForPollers(connection: Connection, taskQueue: string, kind: 'workflow' | 'activity', timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answer = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: kind === 'workflow' ? 1 : 2 });
    if ((answer.pollers?.length ?? 0) > 0) return;
    await sleep(250);
  }
  throw new Error(`no worker polled ${taskQueue} (${kind}) within ${timeoutMs} ms`);
}

/** Writes a dial list CSV of `count` valid entries, `<prefix><i>` as RequestIdentifier, streamed (a million rows fit). */
export async function writeDialList(path: string, count: number, prefix = 'r'): Promise<void> {
  const out = createWriteStream(path);
  out.write('RequestIdentifier,PhoneNumber\n');
  for (let i = 0; i < count; i++) {
    if (!out.write(`${prefix}${i},${benchPhoneNumber(i)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Runs a bench's main, exiting 1 with the error if it throws. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
