import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEmulator, type Emulator } from '../src/emulator';
import { closeTestTemporal, testTemporal } from './support/temporal';
import { spawnWorker } from './support/worker-process';

let emulator: Emulator;
let dataDir: string;
let baseEnv: NodeJS.ProcessEnv;

before(async () => {
  const temporal = await testTemporal();
  emulator = await startEmulator({ quiet: true });
  dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-worker-process-'));
  baseEnv = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    CONNECT_ENDPOINT: emulator.url,
    CONNECT_DIALER_DATA_DIR: dataDir,
  };
});
after(async () => {
  await emulator?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await closeTestTemporal();
});

describe('a worker process', () => {
  test('starts without a warning: its activity-only Connect workers print no "No workflows registered"', async () => {
    const worker = await spawnWorker(['--log-format', 'text'], { ...baseEnv, TEMPORAL_TASK_QUEUE: `clean-${randomUUID()}` });
    try {
      // Each Worker logs its start as it begins polling; give all four the time to.
      await sleep(3_000);
      const output = worker.output();
      assert.match(output, /connect-dialer worker: task queue/);
      assert.doesNotMatch(output, /No workflows registered/);
      assert.doesNotMatch(output, /\[WARN\]|\bWARN\b/, `no warning at start:\n${output}`);
    } finally {
      assert.equal(await worker.stop(), 0, 'SIGTERM stops it cleanly');
    }
  });

  test('stops with a non-zero exit, naming the task queue, when one of its workers fails', async () => {
    // Temporal refuses task queue names over 1,000 characters: this campaign queue fits, the
    // Connect queues derived from it (`<queue>.connect-campaigns-v2.<region>`, …) do not, so
    // those workers fail while the campaign worker would go on polling.
    const taskQueue = `fate-${randomUUID()}-`.padEnd(980, 'x');
    const worker = await spawnWorker(['--log-format', 'text'], { ...baseEnv, TEMPORAL_TASK_QUEUE: taskQueue });
    const code = await Promise.race([worker.exited, sleep(180_000).then(() => 'still running' as const)]);
    if (code === 'still running') await worker.stop();
    assert.notEqual(code, 'still running', 'the process stops by itself');
    assert.equal(code, 1, worker.output().slice(-2000));
    assert.match(worker.output(), /The worker on task queue fate-[^ ]*\.connect-(campaigns-v2|chat)\.us-east-1 failed .*other workers were shut down with it/);
  });
});
