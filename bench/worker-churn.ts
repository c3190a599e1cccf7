// Progress while workers die: one campaign, worker processes killed with SIGKILL every
// --kill-every seconds and replaced at once, for --seconds; prints the contacts created.
//   npx tsx bench/worker-churn.ts [--contacts 5000] [--seconds 82] [--kill-every 10] [--latency-ms 100]
// Prints figures; asserts nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createFileOutcomeStore } from '../src/activities/outcome-store';
import { CampaignClient } from '../src/client';
import { startDevServer } from '../src/dev/temporal-server';
import { startEmulator } from '../src/emulator';
import { benchPhoneNumber } from './phone-numbers';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '82' },
    'kill-every': { type: 'string', default: '10' },
    'latency-ms': { type: 'string', default: '100' },
  },
});
const contacts = Number(values.contacts);
const seconds = Number(values.seconds);
const killEveryMs = Number(values['kill-every']) * 1000;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-churn-'));
  const server = await startDevServer({ headless: true });
  const emulator = await startEmulator({ quiet: true });
  emulator.configure({ latencyMs: Number(values['latency-ms']) });
  const taskQueue = 'churn';
  const startWorker = (): ChildProcess =>
    spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'worker.ts')], {
      env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: taskQueue, CONNECT_ENDPOINT: emulator.url, CONNECT_DIALER_DATA_DIR: dataDir },
      stdio: 'ignore',
    });
  let worker = startWorker();
  let kills = 0;
  const connection = await Connection.connect({ address: server.address });
  try {
    const path = join(dataDir, 'list.csv');
    const rows = ['RequestIdentifier,PhoneNumber'];
    for (let i = 0; i < contacts; i++) rows.push(`r${i},${benchPhoneNumber(i)}`);
    await writeFile(path, rows.join('\n'));
    const campaigns = new CampaignClient(new Client({ connection }), { taskQueue, outcomes: createFileOutcomeStore(dataDir) });
    const campaignId = `churn-${Date.now()}`;
    await campaigns.start({
      campaignId,
      instanceId: 'bench-instance',
      defaults: { QueueId: 'queue-1', Campaign: { CampaignId: 'bench' }, OutboundStrategy: { Type: 'AGENT_FIRST' } },
      pacing: { batchSize: 25, batchesInFlight: 4, adaptive: true },
      dialList: { kind: 'file', path },
    });
    const t0 = Date.now();
    let nextKill = t0 + killEveryMs;
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(200);
      if (Date.now() >= nextKill) {
        worker.kill('SIGKILL');
        kills++;
        worker = startWorker();
        nextKill += killEveryMs;
      }
    }
    const created = emulator.contacts({ channel: 'VOICE' }).filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}/`));
    const distinct = new Set(created.map((c) => c.requestIdentifier)).size;
    console.log(
      JSON.stringify({ seconds, killEverySeconds: killEveryMs / 1000, kills, contactsCreated: created.length, distinct, contactsPerSecond: +(created.length / seconds).toFixed(1) }),
    );
  } finally {
    worker.kill('SIGKILL');
    await connection.close();
    await emulator.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
