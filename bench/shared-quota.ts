// Campaigns sharing one Connect quota: --campaigns campaigns started together, the emulator's
// BatchPutContact quota --quota/s (burst --burst), --workers worker processes polling the
// shared Connect task queue at CONNECT_BATCH_PUT_CONTACT_RATE = --rate, the store in a
// throwaway PostgreSQL (DATABASE_URL), task queue fairness on in the Temporal server.
// --per-campaign-pacing is the old behaviour instead: each campaign paces itself at --quota
// calls/s (pacing.batchesPerSecond) and the shared rate is 1000/s.
//   npx tsx bench/shared-quota.ts [--campaigns 3] [--contacts 3000] [--quota 10] [--burst 15] [--rate 10] [--workers 2] [--per-campaign-pacing] [--fairness off] [--partitions 1] [--schedule-ahead <seconds>]
// The server divides the shared rate over the task queue's partitions (4 by default) and places
// each batch on one at random: with 4, one 20,000-entry campaign used 88–98% of the quota (the
// random split, bench/partition-model.ts), with --partitions 1 99–100% (0 calls refused either way).
// The timeline of accepted calls per 5 s shows where the quota idled (a continue-as-new's drain,
// the end of the list). Prints figures; asserts nothing.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { CampaignClient } from '../src/client';
import { startPostgresServer } from '../test/support/postgres-server';
import { connectQueues } from '../src/domain/connect-queues';
import { openConfiguredStore } from '../src/storage/open-store';
import { runBench, startBenchStack, waitForPollers, writeDialList } from './bench-stack';

const { values } = parseArgs({
  options: {
    campaigns: { type: 'string', default: '3' },
    contacts: { type: 'string', default: '3000' },
    quota: { type: 'string', default: '10' },
    burst: { type: 'string', default: '15' },
    rate: { type: 'string' },
    workers: { type: 'string', default: '2' },
    'per-campaign-pacing': { type: 'boolean', default: false },
    fairness: { type: 'string', default: 'on' },
    partitions: { type: 'string' },
    /** pacing.scheduleAheadSeconds of every campaign; the campaign's default (6 s) when absent. */
    'schedule-ahead': { type: 'string' },
  },
});
const campaignCount = Number(values.campaigns);
const contacts = Number(values.contacts);
const quota = Number(values.quota);
const burst = Number(values.burst);
const perCampaignPacing = values['per-campaign-pacing'];
const scheduleAhead = values['schedule-ahead'] === undefined ? {} : { scheduleAheadSeconds: Number(values['schedule-ahead']) };
const sharedRate = Number(values.rate ?? (perCampaignPacing ? 1000 : quota));
const workerCount = Number(values.workers);
const fairness = values.fairness !== 'off';
const batchSize = 25;
/** Task queue partitions: 1 as the dev stack and the Compose file set it (src/dev/temporal-server.ts); the server's own default is 4, each holding its share of the rate. */
const partitions = values.partitions === undefined ? 1 : Number(values.partitions);
const dynamicConfig: Record<string, unknown> = {
  ...(fairness ? { 'matching.enableFairness': true } : {}),
  ...(partitions ? { 'matching.numTaskqueueReadPartitions': partitions, 'matching.numTaskqueueWritePartitions': partitions } : {}),
};

async function main(): Promise<void> {
  const postgres = await startPostgresServer();
  const stack = await startBenchStack('quota', { rate: { batchPutContact: { perSecond: quota, burst } } }, { dynamicConfig });
  const { dataDir, emulator, connection } = stack;
  const taskQueue = 'quota';
  try {
    // Migrate once here, so the workers do not race to create the schema.
    const migrated = await openConfiguredStore({ DATABASE_URL: postgres.url, CONNECT_DIALER_DATA_DIR: dataDir });
    await migrated.database.close();
    for (let w = 0; w < workerCount; w++) stack.spawnWorker(taskQueue, { DATABASE_URL: postgres.url, CONNECT_BATCH_PUT_CONTACT_RATE: String(sharedRate) });
    await waitForPollers(connection, taskQueue, 'workflow');
    await waitForPollers(connection, connectQueues(taskQueue, 'us-east-1').batchPutContact, 'activity');

    const campaigns = new CampaignClient(new Client({ connection }), { taskQueue });
    const stamp = Date.now();
    const ids = Array.from({ length: campaignCount }, (_, c) => `quota-${stamp}-${c}`);
    for (const [c, id] of ids.entries()) await writeDialList(join(dataDir, `${id}.csv`), contacts, `c${c}-r`);
    const t0 = Date.now();
    await Promise.all(
      ids.map((id) =>
        campaigns.start({
          campaignId: id,
          instanceId: 'bench-instance',
          defaults: { QueueId: 'q' },
          pacing: { batchSize, adaptive: true, ...scheduleAhead, ...(perCampaignPacing ? { batchesPerSecond: quota } : {}) },
          dialList: { kind: 'file', path: join(dataDir, `${id}.csv`) },
        }),
      ),
    );
    const results = await Promise.all(ids.map((id) => campaigns.result(id)));
    const wall = (Date.now() - t0) / 1000;

    const stats = emulator.stats();
    // One accepted call = one client token; its contacts carry the time it was created.
    const firstSeen = new Map<string, number>();
    for (const contact of emulator.contacts({ channel: 'VOICE' })) {
      const token = contact.clientToken ?? '';
      const at = Date.parse(contact.createdAt);
      firstSeen.set(token, Math.min(firstSeen.get(token) ?? Infinity, at));
    }
    const times = [...firstSeen.values()];
    const start = Math.min(...times);
    const end = Math.max(...times);
    const busy = (end - start) / 1000;
    const middle = start + (end - start) / 2;
    const calls = stats.calls.BatchPutContact;
    const accepted = stats.byStatus['200'] ?? 0;
    const refused = stats.byStatus['429'] ?? 0;
    const perCampaign = ids.map((id) => {
      const prefix = `campaign-${id}/`;
      const mine = [...firstSeen.entries()].filter(([token]) => token.startsWith(prefix)).map(([, at]) => at);
      return { id, calls: mine.length, firstHalf: mine.filter((at) => at < middle).length, doneAfter: ((Math.max(...mine) - start) / 1000).toFixed(1) };
    });

    console.log(
      `mode:                    ${perCampaignPacing ? `per-campaign pacing (${quota}/s each), shared rate ${sharedRate}/s` : `shared rate ${sharedRate}/s, no per-campaign cap`}`,
    );
    console.log(`scheduled ahead:         ${scheduleAhead.scheduleAheadSeconds ?? 'the default'} s of the shared rate (pacing.scheduleAheadSeconds)`);
    console.log(`campaigns:               ${campaignCount} × ${contacts} contacts, ${workerCount} worker processes, store PostgreSQL ${postgres.version}`);
    console.log(`fairness in the server:  ${fairness ? 'on' : 'off'} (dev server dynamic config: ${JSON.stringify(dynamicConfig)})`);
    console.log(`outcomes:                ${results.map((r) => `${r.status} ${r.outcomes.CREATED} created in ${r.runs} run(s)`).join('; ')}`);
    console.log(`wall time:               ${wall.toFixed(1)} s (busy period, first to last accepted call: ${busy.toFixed(1)} s)`);
    console.log(
      `accepted calls/s:        ${(accepted / busy).toFixed(2)} over the busy period = ${((100 * accepted) / busy / quota).toFixed(1)}% of the ${quota}/s quota (burst ${burst})`,
    );
    console.log(`refused with 429:        ${refused} of ${calls} calls = ${((100 * refused) / calls).toFixed(1)}%`);
    console.log(`calls by status:         ${JSON.stringify(stats.byStatus)}`);
    console.log(`first half (${((middle - start) / 1000).toFixed(1)} s), calls per campaign: ${perCampaign.map((p) => p.firstHalf).join(' / ')}`);
    console.log(`last call of each campaign after: ${perCampaign.map((p) => `${p.doneAfter} s`).join(' / ')}`);
    console.log(`duplicates:              ${stats.duplicates} (idempotent replays ${stats.idempotentReplays})`);
    console.log(`accepted calls per 5 s:  ${timeline(times, start, 5000).join(' ')}`);
  } finally {
    await stack.stop();
    await postgres.stop();
  }
}

/** Calls per bucket of the busy period: a dip shows where the quota idled. */
function timeline(times: readonly number[], start: number, bucketMs: number): number[] {
  const buckets: number[] = [];
  for (const at of times) {
    const i = Math.floor((at - start) / bucketMs);
    buckets[i] = (buckets[i] ?? 0) + 1;
  }
  return Array.from(buckets, (n) => n ?? 0);
}

runBench(main);
