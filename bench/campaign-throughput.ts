// Throughput and quota utilisation of one campaign through the real stack: a Temporal dev
// server, a worker, the real AWS SDK and the Connect emulator with a request-rate quota.
//   npx tsx bench/campaign-throughput.ts [--api batch-put-contact|outbound-campaigns-v2] [--contacts 20000] [--quota 10] [--burst 15] [--in-flight 4] [--throttle-rate 0.15]
// Prints figures; asserts nothing.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConnectClient } from '@aws-sdk/client-connect';
import { ConnectCampaignsV2Client } from '@aws-sdk/client-connectcampaignsv2';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { openConfiguredStore } from '../src/storage/open-store';
import { CampaignClient } from '../src/client';
import { createCampaignWorker } from '../src/worker';
import { runBench, startBenchStack } from './bench-stack';
import { benchPhoneNumber } from './phone-numbers';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    quota: { type: 'string', default: '10' },
    burst: { type: 'string', default: '15' },
    'in-flight': { type: 'string', default: '4' },
    'throttle-rate': { type: 'string', default: '0' },
    api: { type: 'string', default: 'batch-put-contact' },
  },
});
const contacts = Number(values.contacts);
const quota = Number(values.quota);
const burst = Number(values.burst);
const inFlight = Number(values['in-flight']);
const throttleRate = Number(values['throttle-rate']);
const v2 = values.api === 'outbound-campaigns-v2';
if (!v2 && values.api !== 'batch-put-contact') throw new Error(`--api must be batch-put-contact or outbound-campaigns-v2, not ${values.api}`);
/** The operation the campaign's contacts go through, for the figures. */
const operation = v2 ? 'PutOutboundRequestBatch' : 'BatchPutContact';

async function main(): Promise<void> {
  const stack = await startBenchStack('bench', {
    rate: v2 ? { outboundRequests: { perSecond: quota, burst } } : { batchPutContact: { perSecond: quota, burst } },
    faults: { entryThrottleRate: throttleRate },
  });
  const { dataDir, server, emulator, connection } = stack;
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const clientSettings = { endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const connect = new ConnectClient(clientSettings);
  const campaignsV2 = new ConnectCampaignsV2Client(clientSettings);
  const { store, database } = await openConfiguredStore({ DATABASE_URL: process.env.DATABASE_URL, CONNECT_DIALER_DATA_DIR: dataDir });
  const worker = await createCampaignWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue: 'bench',
    region: 'us-east-1',
    rates: { batchPutContact: quota, outboundRequests: quota, chat: 2 },
    dependencies: { connect, campaignsV2, store },
  });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  try {
    const path = join(dataDir, 'list.csv');
    const rows = ['RequestIdentifier,PhoneNumber'];
    for (let i = 0; i < contacts; i++) rows.push(`r${i},${benchPhoneNumber(i)}`);
    await writeFile(path, rows.join('\n'));
    const campaigns = new CampaignClient(new Client({ connection }), { taskQueue: 'bench' });
    const campaignId = `bench-${Date.now()}`;
    const t0 = Date.now();
    const result = await worker.runUntil((async () => {
      await campaigns.start({
        campaignId,
        instanceId: 'bench-instance',
        defaults: { QueueId: 'q' },
        ...(v2 ? { submission: { api: 'outbound-campaigns-v2' as const, campaignId: 'bench-v2' } } : {}),
        pacing: { batchSize: 25, batchesInFlight: inFlight, batchesPerSecond: quota, adaptive: true },
        dialList: { kind: 'file', path },
      });
      return campaigns.result(campaignId);
    })());
    const seconds = (Date.now() - t0) / 1000;
    const stats = emulator.stats();
    const history = await campaigns.handle(campaignId).fetchHistory();
    console.log(JSON.stringify({ status: result.status, outcomes: result.outcomes }, null, 0));
    console.log(`contacts:                ${contacts}`);
    console.log(`wall time:               ${seconds.toFixed(1)} s`);
    console.log(`contacts/s:              ${(result.outcomes.CREATED / seconds).toFixed(1)}`);
    const calls = stats.calls[operation];
    console.log(`${operation} calls/s: ${(calls / seconds).toFixed(2)} (quota ${quota}/s, burst ${burst}) → utilisation ${((100 * calls) / seconds / quota).toFixed(1)}%`);
    console.log(`calls refused by quota:  ${stats.throttled} of ${calls}`);
    console.log(`entries throttled:       ${(stats.byFailureCode.REQUEST_THROTTLED ?? 0) + (stats.byFailureCode.RequestThrottled ?? 0)} (--throttle-rate ${throttleRate}) → ${result.retries} retries`);
    console.log(`duplicates:              ${v2 ? stats.dialRequests - result.outcomes.CREATED : stats.duplicates}`);
    console.log(`workflow runs:           ${result.runs} (last run ${history.events?.length ?? 0} history events)`);
    console.log(`peak RSS (bench process: worker + emulator): ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    clearInterval(sampler);
    connect.destroy();
    campaignsV2.destroy();
    await nativeConnection.close();
    await database.close();
    await stack.stop();
  }
}

runBench(main);
