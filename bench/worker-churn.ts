// The shared quota while workers die: one campaign through --workers worker processes on
// PostgreSQL, the emulator's BatchPutContact quota --quota/s (burst --burst) and the shared
// rate the same, the oldest worker SIGKILLed every --kill-every seconds and replaced at once.
// The floor is the time the quota needs for the calls accepted (calls / quota); the busy
// period runs from the first accepted call to the last; each kill costs what it adds.
//   npx tsx bench/worker-churn.ts [--contacts 30000] [--workers 3] [--quota 10] [--burst 15] [--kill-every 30] [--latency-ms 100] [--partitions 1]
// --kill-every 0 kills nothing (the same run without deaths). Prints figures; asserts nothing.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { CampaignClient } from '../src/client';
import { startPostgresServer } from '../test/support/postgres-server';
import { connectQueues } from '../src/domain/connect-queues';
import { openConfiguredStore } from '../src/storage/open-store';
import { runBench, startBenchStack, waitForPollers, writeDialList } from './bench-stack';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '30000' },
    workers: { type: 'string', default: '3' },
    quota: { type: 'string', default: '10' },
    burst: { type: 'string', default: '15' },
    'kill-every': { type: 'string', default: '30' },
    'latency-ms': { type: 'string', default: '100' },
    partitions: { type: 'string', default: '1' },
  },
});
const contacts = Number(values.contacts);
const workerCount = Number(values.workers);
const quota = Number(values.quota);
const burst = Number(values.burst);
const killEveryMs = Number(values['kill-every']) * 1000;
const partitions = Number(values.partitions);

async function main(): Promise<void> {
  const postgres = await startPostgresServer();
  const stack = await startBenchStack(
    'churn',
    { rate: { batchPutContact: { perSecond: quota, burst } } },
    { dynamicConfig: { 'matching.numTaskqueueReadPartitions': partitions, 'matching.numTaskqueueWritePartitions': partitions } },
  );
  const { dataDir, emulator, connection } = stack;
  emulator.configure({ latencyMs: Number(values['latency-ms']) });
  const taskQueue = 'churn';
  const env = { DATABASE_URL: postgres.url, CONNECT_BATCH_PUT_CONTACT_RATE: String(quota) };
  try {
    // Migrate once here, so the workers do not race to create the schema.
    const migrated = await openConfiguredStore({ DATABASE_URL: postgres.url, CONNECT_DIALER_DATA_DIR: dataDir });
    await migrated.database.close();
    const workers = Array.from({ length: workerCount }, () => stack.spawnWorker(taskQueue, env));
    await waitForPollers(connection, taskQueue, 'workflow');
    await waitForPollers(connection, connectQueues(taskQueue, 'us-east-1').batchPutContact, 'activity');
    const path = join(dataDir, 'list.csv');
    await writeDialList(path, contacts);

    const campaigns = new CampaignClient(new Client({ connection }), { taskQueue });
    const campaignId = `churn-${Date.now()}`;
    await campaigns.start({
      campaignId,
      instanceId: 'bench-instance',
      defaults: { QueueId: 'q' },
      pacing: { batchSize: 25, adaptive: true },
      dialList: { kind: 'file', path },
    });
    let kills = 0;
    let finished = false;
    const result = campaigns.result(campaignId).finally(() => (finished = true));
    const killing = (async () => {
      if (killEveryMs <= 0) return;
      for (;;) {
        await sleep(killEveryMs);
        if (finished) return;
        workers.shift()?.kill('SIGKILL');
        kills++;
        workers.push(stack.spawnWorker(taskQueue, env));
      }
    })();
    const outcome = await result;
    await killing;

    const stats = emulator.stats();
    // One accepted call = one client token; its contacts carry the time it was created.
    const firstSeen = new Map<string, number>();
    for (const contact of emulator.contacts({ channel: 'VOICE' })) {
      const token = contact.clientToken ?? '';
      firstSeen.set(token, Math.min(firstSeen.get(token) ?? Infinity, Date.parse(contact.createdAt)));
    }
    const times = [...firstSeen.values()];
    const busy = (Math.max(...times) - Math.min(...times)) / 1000;
    const accepted = firstSeen.size;
    const floor = accepted / quota;
    const calls = stats.calls.BatchPutContact;
    const refused = stats.byStatus['429'] ?? 0;
    console.log(`campaign:                ${outcome.status}, ${outcome.outcomes.CREATED} of ${contacts} created, ${workerCount} workers on PostgreSQL ${postgres.version}`);
    console.log(`quota:                   ${quota}/s (burst ${burst}) = the shared rate; ${partitions} task queue partition(s)`);
    console.log(`kills:                   ${kills} (one every ${killEveryMs / 1000} s, SIGKILL, replaced at once)`);
    console.log(
      `busy period:             ${busy.toFixed(1)} s, first to last accepted call; floor ${floor.toFixed(1)} s (${accepted} calls at ${quota}/s) → ${(busy / floor).toFixed(3)}× the floor`,
    );
    console.log(`refused with 429:        ${refused} of ${calls} calls = ${((100 * refused) / calls).toFixed(1)}%`);
    console.log(`duplicates:              ${stats.duplicates} (idempotent replays ${stats.idempotentReplays})`);
  } finally {
    await stack.stop();
    await postgres.stop();
  }
}

runBench(main);
