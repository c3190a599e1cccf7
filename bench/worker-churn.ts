// Progress while workers die: one campaign, worker processes killed with SIGKILL every
// --kill-every seconds and replaced at once, for --seconds; prints the contacts created.
//   npx tsx bench/worker-churn.ts [--contacts 5000] [--seconds 82] [--kill-every 10] [--latency-ms 100]
// Prints figures; asserts nothing.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { CampaignClient } from '../src/client';
import { runBench, startBenchStack } from './bench-stack';
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
  const stack = await startBenchStack('churn');
  const { dataDir, emulator, connection } = stack;
  emulator.configure({ latencyMs: Number(values['latency-ms']) });
  const taskQueue = 'churn';
  let worker = stack.spawnWorker(taskQueue);
  let kills = 0;
  try {
    const path = join(dataDir, 'list.csv');
    const rows = ['RequestIdentifier,PhoneNumber'];
    for (let i = 0; i < contacts; i++) rows.push(`r${i},${benchPhoneNumber(i)}`);
    await writeFile(path, rows.join('\n'));
    const campaigns = new CampaignClient(new Client({ connection }), { taskQueue });
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
        worker = stack.spawnWorker(taskQueue);
        nextKill += killEveryMs;
      }
    }
    const created = emulator.contacts({ channel: 'VOICE' }).filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}/`));
    const distinct = new Set(created.map((c) => c.requestIdentifier)).size;
    console.log(
      JSON.stringify({
        seconds,
        killEverySeconds: killEveryMs / 1000,
        kills,
        contactsCreated: created.length,
        distinct,
        contactsPerSecond: +(created.length / seconds).toFixed(1),
      }),
    );
  } finally {
    await stack.stop();
  }
}

runBench(main);
