// What every end-to-end bench stands on: a Temporal dev server, the Connect emulator, a data
// folder and a client connection, all stopped together; worker processes to kill at will.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../src/dev/temporal-server';
import { startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator';

export interface BenchStack {
  dataDir: string;
  server: DevServer;
  emulator: Emulator;
  connection: Connection;
  /** A worker as its own process (`src/worker.ts`), killed with the stack if still running. */
  spawnWorker(taskQueue: string): ChildProcess;
  stop(): Promise<void>;
}

export async function startBenchStack(name: string, emulatorOptions: EmulatorOptions = {}): Promise<BenchStack> {
  const dataDir = await mkdtemp(join(tmpdir(), `connect-dialer-${name}-`));
  const server = await startDevServer({ headless: true });
  const emulator = await startEmulator({ quiet: true, ...emulatorOptions });
  const connection = await Connection.connect({ address: server.address });
  const workers: ChildProcess[] = [];
  return {
    dataDir,
    server,
    emulator,
    connection,
    spawnWorker(taskQueue) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'worker.ts')], {
        env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: taskQueue, CONNECT_ENDPOINT: emulator.url, CONNECT_DIALER_DATA_DIR: dataDir },
        stdio: 'ignore',
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

/** Runs a bench's main, exiting 1 with the error if it throws. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
