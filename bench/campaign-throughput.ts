// Throughput, history size and worker memory of one campaign through the real stack: a
// Temporal dev server, a worker process (`src/worker.ts`, so its RSS is its own), the real AWS
// SDK, the Connect emulator with a request-rate quota (none with --quota 0) and the campaign
// store in a throwaway PostgreSQL (--store postgres) or the worker's embedded PGlite (--store pglite).
//   npx tsx bench/campaign-throughput.ts [--api batch-put-contact|outbound-campaigns-v2] [--contacts 20000] [--quota 10] [--burst 15]
//     [--rate <shared calls/s; the quota, or 1000 with --quota 0>] [--in-flight 4] [--throttled 0] [--buffer-full 0] [--seed <n>]
//     [--store postgres|pglite] [--worker compiled|source]
//   --worker: compiled (default) runs lib/worker.js with plain node as the production image does (built first);
//   source runs src/worker.ts through tsx, whose loader thread adds to the worker's memory.
//   --throttled: share of entries (v2: requests) answered REQUEST_THROTTLED / RequestThrottled at random;
//   --buffer-full: share of v2 requests answered BufferLimitExceeded at random. With a quota the run's time is
//   printed against its floor, the calls an unfaulted run needs at the quota (contacts / 25 / quota).
//   e.g. one million contacts, unthrottled: npx tsx bench/campaign-throughput.ts --contacts 1000000 --quota 0
// History bytes are the protobuf encoding of each run's History (temporal.api.history.v1.History.encode).
// Measured 2026-11 (2 cores, --quota 0, PostgreSQL, 4 in flight): 1,000,000 contacts in 1001 s = 999 contacts/s,
// 64.2 history bytes and 0.170 events per contact over 42 runs (ACTIVITY_TASK_SCHEDULED ~53% of the bytes, its input
// carries 25 [index, attempt] pairs and the retry policy; ACTIVITY_TASK_COMPLETED ~28%), worker peak RSS 783 MiB
// while staging, then flat (first / last quarter mean 455 / 432 MiB).
// Prints figures; asserts nothing.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { CampaignClient } from '../src/client';
import { startPostgresServer, type PostgresServer } from '../test/support/postgres-server';
import { campaignWorkflowId } from '../src/domain/campaign';
import { connectQueues } from '../src/domain/connect-queues';
import { openConfiguredStore } from '../src/storage/open-store';
import { buildCompiledWorker, mib, runBench, startBenchStack, waitForPollers, writeDialList, type WorkerCode } from './bench-stack';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    quota: { type: 'string', default: '10' },
    burst: { type: 'string', default: '15' },
    rate: { type: 'string' },
    'in-flight': { type: 'string', default: '4' },
    throttled: { type: 'string' },
    'throttle-rate': { type: 'string' },
    'buffer-full': { type: 'string', default: '0' },
    seed: { type: 'string' },
    api: { type: 'string', default: 'batch-put-contact' },
    store: { type: 'string', default: 'postgres' },
    worker: { type: 'string', default: 'compiled' },
  },
});
const contacts = Number(values.contacts);
const quota = Number(values.quota);
const burst = Number(values.burst);
const unthrottled = quota <= 0;
const sharedRate = Number(values.rate ?? (unthrottled ? 1000 : quota));
const inFlight = Number(values['in-flight']);
/** --throttle-rate is the flag's old name. */
const throttleRate = share('--throttled', values.throttled ?? values['throttle-rate'] ?? '0');
const bufferFullRate = share('--buffer-full', values['buffer-full']);
const v2 = values.api === 'outbound-campaigns-v2';
if (!v2 && values.api !== 'batch-put-contact') throw new Error(`--api must be batch-put-contact or outbound-campaigns-v2, not ${values.api}`);
if (!v2 && bufferFullRate > 0) throw new Error('--buffer-full: BufferLimitExceeded is an Outbound Campaigns v2 answer; add --api outbound-campaigns-v2');
if (values.store !== 'postgres' && values.store !== 'pglite') throw new Error(`--store must be postgres or pglite, not ${values.store}`);
if (values.worker !== 'compiled' && values.worker !== 'source')
  throw new Error(`--worker must be compiled (lib/worker.js, as the image runs it) or source (src/worker.ts through tsx), not ${values.worker}`);
const workerCode: WorkerCode = values.worker;
/** The operation the campaign's contacts go through, for the figures. */
const operation = v2 ? 'PutOutboundRequestBatch' : 'BatchPutContact';
const taskQueue = 'bench';

function share(flag: string, text: string): number {
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new Error(`${flag} must be a share between 0 and 1, not ${text}`);
  return value;
}

async function main(): Promise<void> {
  const postgres: PostgresServer | undefined = values.store === 'postgres' ? await startPostgresServer() : undefined;
  const rate = unthrottled ? {} : { rate: v2 ? { outboundRequests: { perSecond: quota, burst } } : { batchPutContact: { perSecond: quota, burst } } };
  const faults = { entryThrottleRate: throttleRate, requestBufferLimitRate: bufferFullRate, ...(values.seed === undefined ? {} : { seed: Number(values.seed) }) };
  if (workerCode === 'compiled') buildCompiledWorker();
  const stack = await startBenchStack('bench', { ...rate, faults }, { workerCode });
  const { dataDir, emulator, connection } = stack;
  try {
    if (postgres) {
      const migrated = await openConfiguredStore({ DATABASE_URL: postgres.url, CONNECT_DIALER_DATA_DIR: dataDir });
      await migrated.database.close();
    }
    const path = join(dataDir, 'list.csv');
    await writeDialList(path, contacts);
    const probeFile = join(dataDir, 'worker-memory.jsonl');
    stack.spawnWorker(taskQueue, {
      NODE_OPTIONS: [`--require ${join(__dirname, 'worker-memory-probe.cjs')}`, process.env.WORKER_NODE_OPTIONS].filter(Boolean).join(' '),
      WORKER_MEMORY_PROBE_FILE: probeFile,
      ...(postgres ? { DATABASE_URL: postgres.url } : {}),
      CONNECT_BATCH_PUT_CONTACT_RATE: String(sharedRate),
      CONNECT_OUTBOUND_REQUEST_BATCH_RATE: String(sharedRate),
    });
    const queues = connectQueues(taskQueue, 'us-east-1');
    await waitForPollers(connection, taskQueue, 'workflow');
    await waitForPollers(connection, v2 ? queues.outboundRequests : queues.batchPutContact, 'activity');
    const client = new Client({ connection });
    const campaigns = new CampaignClient(client, { taskQueue });
    const campaignId = `bench-${Date.now()}`;
    const t0 = Date.now();
    await campaigns.start({
      campaignId,
      instanceId: 'bench-instance',
      defaults: { QueueId: 'q' },
      ...(v2 ? { submission: { api: 'outbound-campaigns-v2' as const, campaignId: 'bench-v2' } } : {}),
      pacing: { batchSize: 25, batchesInFlight: inFlight, adaptive: true, ...(unthrottled ? {} : { batchesPerSecond: quota }) },
      dialList: { kind: 'file', path },
    });
    const result = await campaigns.result(campaignId);
    const seconds = (Date.now() - t0) / 1000;
    const stats = emulator.stats();

    // Every run of the campaign's workflow (continue-as-new starts a new one), as stored.
    const workflowId = campaignWorkflowId(campaignId);
    let runIds: string[] = [];
    for (let tries = 0; tries < 60; tries++) {
      runIds = [];
      for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runIds.push(run.runId);
      if (runIds.length >= result.runs) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    let historyBytes = 0;
    let historyEvents = 0;
    const byType = new Map<string, { events: number; bytes: number }>();
    for (const runId of runIds) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      historyBytes += temporal.api.history.v1.History.encode(history).finish().length;
      for (const event of history.events ?? []) {
        historyEvents++;
        const type = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
        const entry = byType.get(type) ?? { events: 0, bytes: 0 };
        entry.events++;
        entry.bytes += temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
        byType.set(type, entry);
      }
    }

    const memory = await readMemoryProbe(probeFile, t0, seconds * 1000);
    const calls = stats.calls[operation];

    console.log(JSON.stringify({ status: result.status, outcomes: result.outcomes }, null, 0));
    console.log(`contacts:                ${contacts}, store ${postgres ? `PostgreSQL ${postgres.version}` : 'PGlite (embedded in the worker)'}, worker as its own process`);
    console.log(`emulator quota:          ${unthrottled ? 'none' : `${quota}/s burst ${burst}`}, shared rate ${sharedRate}/s, ${inFlight} batches in flight`);
    console.log(`wall time:               ${seconds.toFixed(1)} s`);
    if (!unthrottled) {
      const floor = Math.ceil(contacts / 25) / quota;
      console.log(`vs the unfaulted floor:  ${(seconds / floor).toFixed(2)}× (floor ${floor.toFixed(1)} s: ${Math.ceil(contacts / 25)} calls at ${quota}/s)`);
    }
    console.log(`contacts/s:              ${(result.outcomes.CREATED / seconds).toFixed(1)}`);
    console.log(
      `${operation} calls/s: ${(calls / seconds).toFixed(2)}${unthrottled ? '' : ` (quota ${quota}/s, burst ${burst}) → utilisation ${((100 * calls) / seconds / quota).toFixed(1)}%`}`,
    );
    console.log(`calls refused by quota:  ${stats.throttled} of ${calls}`);
    console.log(
      `entries throttled:       ${(stats.byFailureCode.REQUEST_THROTTLED ?? 0) + (stats.byFailureCode.RequestThrottled ?? 0)} (--throttled ${throttleRate})` +
        (v2 ? `, buffer full: ${stats.byFailureCode.BufferLimitExceeded ?? 0} (--buffer-full ${bufferFullRate})` : '') +
        ` → ${result.retries} retries`,
    );
    console.log(`duplicates:              ${v2 ? stats.dialRequests - result.outcomes.CREATED : stats.duplicates}`);
    console.log(`workflow runs:           ${result.runs} (${runIds.length} listed)`);
    console.log(
      `history:                 ${historyBytes} bytes, ${historyEvents} events → ${(historyBytes / contacts).toFixed(1)} bytes/contact, ${(historyEvents / contacts).toFixed(3)} events/contact`,
    );
    const top = [...byType.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 8);
    console.log(`history by event type:   ${top.map(([type, e]) => `${type.replace('EVENT_TYPE_', '')} ${e.events} ev ${(e.bytes / 1024).toFixed(0)} KiB`).join('; ')}`);
    console.log(`worker code:             ${workerCode === 'compiled' ? 'lib/worker.js (plain node, as the image runs it)' : 'src/worker.ts through tsx'}`);
    console.log(`worker peak RSS:         ${mib(Math.max(0, ...memory.map((s) => s.rss)))} (${memory.length} samples, 1/s, from the worker's process.memoryUsage())`);
    console.log(`worker memory by quarter of the run (peak / median):`);
    for (let q = 1; q <= 4; q++) {
      const part = memory.filter((s) => s.at >= ((q - 1) * seconds * 1000) / 4 && s.at < (q * seconds * 1000) / 4);
      const figure = (key: keyof MemorySample): string => `${mib(Math.max(0, ...part.map((s) => s[key])))} / ${mib(median(part.map((s) => s[key])))}`;
      console.log(
        `  Q${q}: RSS ${figure('rss')}; V8 heaps: main used ${figure('heapUsed')} of ${figure('heapTotal')}, other threads ${figure('otherHeaps')}; external ${figure('external')}`,
      );
    }
  } finally {
    await stack.stop();
    await postgres?.stop();
  }
}

interface MemorySample {
  /** Milliseconds since the campaign started. */
  at: number;
  /** The process's resident set. */
  rss: number;
  /** The main thread's V8 heap, used and held. */
  heapUsed: number;
  heapTotal: number;
  /** The other threads' V8 heaps together (the workflow thread, the module loader), held. */
  otherHeaps: number;
  external: number;
}

interface ProbeLine {
  at: number;
  thread: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/**
 * The worker's memory while the campaign ran, a sample a second (bench/worker-memory-probe.cjs
 * writes one line per thread per second; the main thread is thread 0).
 */
async function readMemoryProbe(path: string, t0: number, durationMs: number): Promise<MemorySample[]> {
  const lines = (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const seconds = new Map<number, { main?: ProbeLine; others: Map<number, number> }>();
  for (const line of lines) {
    const probe = JSON.parse(line) as ProbeLine;
    const second = Math.floor((probe.at - t0) / 1000);
    const entry = seconds.get(second) ?? { others: new Map<number, number>() };
    if (probe.thread === 0) entry.main = probe;
    else entry.others.set(probe.thread, probe.heapTotal);
    seconds.set(second, entry);
  }
  const samples: MemorySample[] = [];
  for (const [second, { main, others }] of seconds) {
    if (!main || second < 0 || second * 1000 > durationMs) continue;
    const otherHeaps = [...others.values()].reduce((a, b) => a + b, 0);
    samples.push({ at: main.at - t0, rss: main.rss, heapUsed: main.heapUsed, heapTotal: main.heapTotal, otherHeaps, external: main.external });
  }
  return samples.sort((x, y) => x.at - y.at);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

runBench(main);
