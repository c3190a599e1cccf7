import { spawn } from 'node:child_process';
import { join } from 'node:path';

const bin = join(__dirname, '..', '..', 'bin', 'connect-dialer.cjs');

export interface WorkerProcess {
  /** Everything the worker has written to stderr so far (its log lines). */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after 30 s); answers the exit code. */
  stop(): Promise<number | null>;
  /** Settles with the exit code when the process exits on its own (or is stopped). */
  exited: Promise<number | null>;
}

/**
 * `connect-dialer worker` in a process of its own, as in production: it installs its own
 * Temporal runtime (metrics endpoint, log format), which a test process must not.
 * Resolves once the worker says it polls its task queue.
 */
export async function spawnWorker(args: string[], env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [bin, 'worker', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      return await exited;
    } finally {
      clearTimeout(killer);
    }
  };
  const ready = await Promise.race([
    new Promise<boolean>((resolveReady) => {
      const check = (): void => {
        if (stderr.includes('connect-dialer worker: task queue')) resolveReady(true);
      };
      child.stderr.on('data', check);
      child.stdout.on('data', check);
    }),
    exited.then(() => false),
    new Promise<boolean>((resolveReady) => setTimeout(() => resolveReady(false), 90_000).unref()),
  ]);
  if (!ready) {
    await stop();
    throw new Error(`the worker did not start:\n${stderr}`);
  }
  return { output: () => stderr, stop, exited };
}
