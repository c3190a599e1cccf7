// Prometheus itself (Debian's package) scrapes a worker and answers the dashboard's queries.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CampaignClient } from '../src/client';
import { freePort } from '../src/dev/ports';
import { outcomeKinds } from '../src/domain/outcome';
import type { CampaignResult } from '../src/domain/progress';
import { startEmulator, type Emulator, type EmulatorStats } from '../src/emulator';
import { startPrometheus, type InstantVector, type Prometheus } from './support/prometheus';
import { campaignDefaults, entry, uniqueCampaignId } from './support/stack';
import { closeTestTemporal, testTemporal } from './support/temporal';
import { spawnWorker, type WorkerProcess } from './support/worker-process';
import { eventually } from './support/eventually';

const root = join(__dirname, '..');
let emulator: Emulator;
let worker: WorkerProcess;
let prometheus: Prometheus;
let dataDir: string;
let result: CampaignResult;
let stats: EmulatorStats;

/** Asks until Prometheus has scraped what `ready` looks for (it scrapes every second). */
async function queryUntil(promql: string, ready: (v: InstantVector) => boolean, timeoutMs = 60_000): Promise<InstantVector> {
  let answer: InstantVector | undefined;
  return eventually(
    () => `Prometheus to answer as expected: ${promql} → ${JSON.stringify(answer)}`,
    async () => {
      answer = await prometheus.query(promql);
      return ready(answer) ? answer : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

async function dashboardPanels(): Promise<Panel[]> {
  return (JSON.parse(await readFile(join(root, 'deploy', 'grafana', 'dashboards', 'connect-dialer.json'), 'utf8')) as { panels: Panel[] }).panels;
}

/** A dashboard query as Grafana sends it: its variables set. */
function asSent(expr: string, campaignId: string): string {
  return expr.replaceAll('$campaign', campaignId).replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h');
}

/** The dashboard's query for a panel, with its $campaign variable set. */
async function dashboardQuery(title: string, campaignId: string): Promise<string> {
  const expr = (await dashboardPanels()).find((p) => p.title === title)?.targets?.[0]?.expr;
  if (!expr) throw new Error(`the dashboard has no panel "${title}"`);
  return asSent(expr, campaignId);
}

before(async () => {
  const temporal = await testTemporal();
  // The emulator dials: half the calls answered, the rest ring out (redialled once) or reach voicemail.
  emulator = await startEmulator({
    quiet: true,
    faults: { entryThrottleRate: 0.1, seed: 3 },
    calls: { ringMs: 200, outcomes: { HUMAN_ANSWERED: 0.5, NO_ANSWER: 0.3, VOICEMAIL: 0.2 }, seed: 5 },
  });
  dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-prometheus-'));
  const taskQueue = `prometheus-${randomUUID()}`;
  const port = await freePort();
  worker = await spawnWorker(['--metrics-port', String(port)], {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    CONNECT_ENDPOINT: emulator.url,
    CONNECT_DIALER_DATA_DIR: dataDir,
    CONNECT_DIALER_METRICS_HOST: '127.0.0.1',
    CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL: emulator.contactEventsQueueUrl,
  });
  prometheus = await startPrometheus([`127.0.0.1:${port}`]);
  const campaigns = new CampaignClient(temporal.client, { taskQueue });
  const campaignId = uniqueCampaignId('prom');
  const entries = Array.from({ length: 80 }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` }));
  entries[5] = { ...entries[5], CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: 'not-a-number' } };
  await campaigns.start({
    campaignId,
    instanceId: 'instance-1',
    defaults: campaignDefaults,
    pacing: { batchSize: 10, batchesInFlight: 2, adaptive: true },
    callOutcomes: { redial: [{ dispositions: ['NO_ANSWER'], afterSeconds: 1, maxAttempts: 2 }], settleWithinSeconds: 60 },
    dialList: { kind: 'inline', entries },
  });
  result = await campaigns.result(campaignId);
  stats = emulator.stats();
});

after(async () => {
  await prometheus?.stop();
  await worker?.stop();
  await emulator?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await closeTestTemporal();
});

describe('Prometheus scraping a worker', () => {
  test("the dashboard's outcome query answers the campaign's result, and its calls the emulator's count", async () => {
    assert.equal(result.status, 'COMPLETED');
    const campaign_id = result.campaignId;
    await queryUntil(`sum(connect_dialer_campaigns_total{status="COMPLETED"})`, (v) => v[0]?.value === 1);
    const outcomes = await prometheus.query(await dashboardQuery('Entries per outcome (campaign totals)', campaign_id));
    const answered = Object.fromEntries(outcomeKinds.map((k) => [k, outcomes.find((o) => o.labels.campaign_id === campaign_id && o.labels.outcome === k)?.value ?? 0]));
    assert.deepEqual(answered, result.outcomes, `per outcome: ${JSON.stringify(outcomes)}`);
    assert.ok(result.outcomes.REJECTED === 1 && result.retries > 0, `the campaign had a rejected entry and retries: ${JSON.stringify(result)}`);
    const calls = await prometheus.query('sum by (api) (connect_dialer_connect_calls_total)');
    assert.equal(calls.find((c) => c.labels.api === 'BatchPutContact')?.value, stats.calls.BatchPutContact);
    const retries = await prometheus.query(`sum(connect_dialer_retries_total{campaign_id="${campaign_id}"})`);
    assert.equal(retries[0]?.value, result.retries);
    const slots = await prometheus.query('sum(temporal_worker_task_slots_available)');
    assert.ok((slots[0]?.value ?? 0) > 0, "the SDK's metrics are scraped from the same target");
  });

  test("the dashboard's call-outcome panels answer the emulator's calls: a disposition per call, the contact rate, the redials", async () => {
    const campaign_id = result.campaignId;
    // What the emulator says it dialled, mapped to dispositions as docs/call-outcomes.md does.
    const called = emulator.contacts().filter((c) => c.channel === 'VOICE');
    const byEmulator: Record<string, number> = {};
    for (const c of called) {
      const ends: Record<string, string> = { HUMAN_ANSWERED: 'REACHED', NO_ANSWER: 'NO_ANSWER', VOICEMAIL: 'VOICEMAIL' };
      const disposition = ends[c.disposition ?? ''] ?? `unexpected ${c.disposition ?? 'none'}`;
      byEmulator[disposition] = (byEmulator[disposition] ?? 0) + 1;
    }
    assert.ok((byEmulator.NO_ANSWER ?? 0) > 0 && (byEmulator.REACHED ?? 0) > 0, `the calls had mixed ends: ${JSON.stringify(byEmulator)}`);
    const query = await dashboardQuery('Call dispositions (campaign totals)', campaign_id);
    const answered = await queryUntil(query, (v) => v.reduce((n, x) => n + x.value, 0) === called.length);
    assert.deepEqual(Object.fromEntries(answered.map((x) => [x.labels.disposition, x.value])), byEmulator, 'one disposition per call the emulator made');

    const rate = await prometheus.query(await dashboardQuery('Contact rate (REACHED share of decided calls)', campaign_id));
    assert.equal(rate.length, 1);
    assert.ok(Math.abs((rate[0]?.value ?? 0) - (byEmulator.REACHED ?? 0) / called.length) < 1e-9, `contact rate ${JSON.stringify(rate)}`);

    // Every unanswered first call was redialled once (maxAttempts 2): the result, the counter and the emulator agree.
    const redials = await queryUntil(`sum(connect_dialer_redials_total{campaign_id="${campaign_id}", disposition="NO_ANSWER"})`, (v) => v.length === 1);
    assert.ok((result.redials ?? 0) > 0, `the campaign redialled: ${JSON.stringify(result)}`);
    assert.equal(redials[0]?.value, result.redials);
    assert.equal(called.length, result.outcomes.CREATED + (result.redials ?? 0), 'one call per created entry, one more per redial');
  });

  test('every query of the dashboard is valid PromQL and finds data', async () => {
    // A rate needs two samples of a series in its window: wait for a few scrapes after the end.
    await queryUntil(`sum(count_over_time(connect_dialer_campaigns_total{status="COMPLETED"}[1m]))`, (v) => (v[0]?.value ?? 0) >= 3);
    const empty: string[] = [];
    for (const panel of await dashboardPanels()) {
      for (const target of panel.targets ?? []) {
        const answer = await prometheus.query(asSent(target.expr, result.campaignId)); // throws on a query Prometheus refuses
        if (answer.length === 0) empty.push(panel.title);
      }
    }
    // This campaign had no 429, no SMS and no FAILED entry.
    const allowedEmpty = new Set(['Share of calls throttled (429)', 'Deflections to SMS', 'FAILED entries by failure code']);
    assert.deepEqual(
      empty.filter((t) => !allowedEmpty.has(t)),
      [],
      'panels with no data',
    );
  });
});
