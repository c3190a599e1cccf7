import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Stack } from './stack';
import { testTemporal } from './temporal';

export const repoRoot = join(__dirname, '..', '..');
/** The package's bin script: the CLI as a user runs it. */
export const cliBin = join(repoRoot, 'bin', 'connect-dialer.cjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would, a process of its own through the bin script; killed if it runs past `timeoutMs`. */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv, options: { cwd?: string; timeoutMs?: number } = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [cliBin, ...args], { cwd: options.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const done = new Promise<CliRun>((resolveRun) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolveRun({ code, stdout, stderr });
    }),
  );
  return { child, done };
}

/** Runs the CLI to its end (see spawnCli). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return spawnCli(args, env, options).done;
}

/**
 * The environment of an operator's CLI against this test stack: its Temporal server, task
 * queue, store and emulator (without CONNECT_ENDPOINT, `start` would take it for real AWS).
 */
export async function cliEnvFor(stack: Stack, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const temporal = await testTemporal();
  return {
    ...process.env,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    CONNECT_DIALER_DATA_DIR: stack.dataDir,
    DATABASE_URL: stack.testStore.databaseUrl,
    CONNECT_ENDPOINT: stack.emulator.url,
    ...extra,
  };
}
