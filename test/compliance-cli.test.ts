// The calling rules that reach past one campaign, through the real stack: the CLI as a user
// runs it, a worker, the Temporal dev server, the Connect emulator and PostgreSQL. Frequency
// caps across two campaigns, `check --json`, and retention (`purge`, and workers that purge
// by themselves with CONNECT_DIALER_RETENTION_DAYS).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { campaignWorkflowId } from '../src/domain/campaign';
import type { CampaignResult } from '../src/domain/progress';
import { startStack, uniqueCampaignId, type Stack } from './support/stack';
import { cliEnvFor, runCli, type CliRun } from './support/cli-process';
import { eventually } from './support/eventually';

let stack: Stack;
let env: NodeJS.ProcessEnv;
let work: string;

before(async () => {
  stack = await startStack();
  env = await cliEnvFor(stack);
  work = await mkdtemp(join(tmpdir(), 'connect-dialer-compliance-'));
});
after(async () => {
  await stack?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(args, { ...env, ...extraEnv }, { timeoutMs: 180_000 });
}

/** A fresh number for this run: the record of calls is the deployment's. */
function freshNumber(): string {
  return `+1646${String(Math.floor(Math.random() * 900) + 100)}${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
}

async function writeList(numbers: string[]): Promise<string> {
  const path = join(work, `${randomUUID()}.csv`);
  await writeFile(path, ['RequestIdentifier,PhoneNumber,FirstName', ...numbers.map((n, i) => `r-${i},${n},Name${i}`)].join('\n') + '\n');
  return path;
}

function startArgs(campaignId: string, file: string, ...more: string[]): string[] {
  return ['start', '--file', file, '--campaign-id', campaignId, '--instance-id', 'instance-1', '--queue-id', 'queue-1', ...more];
}

async function startAndWait(campaignId: string, file: string, ...more: string[]): Promise<CampaignResult> {
  const run = await cli([...startArgs(campaignId, file, ...more), '--wait', '--json']);
  assert.equal(run.code, 0, `start ${campaignId} exits 0; stderr: ${run.stderr}`);
  return JSON.parse(run.stdout) as CampaignResult;
}

/** Staged entries (numbers, attributes) the store holds for a campaign. */
async function stagedCount(campaignKey: string): Promise<number> {
  const found = await stack.testStore.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM staged_entries WHERE campaign_key = $1', [campaignKey]);
  return found.rows[0]?.n ?? -1;
}

function reportRows(csv: string): string[][] {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
}

describe('calling rules across campaigns, through the CLI and a real stack', () => {
  test('a cap of 1 call in 7 days: check --json counts the number the first campaign called as overCap, and the second campaign ends it SUPPRESSED (OVER_FREQUENCY_CAP) instead of calling', async () => {
    const [shared, other, fresh] = [freshNumber(), freshNumber(), freshNumber()];
    const first = await startAndWait(uniqueCampaignId('cap-first'), await writeList([shared, other]));
    assert.equal(first.outcomes.CREATED, 2);

    const second = uniqueCampaignId('cap-second');
    const file = await writeList([shared, fresh, 'not-a-number']);
    const capFlags = ['--max-calls-per-number', '1', '--cap-days', '7', '--end-at', new Date(Date.now() + 3_600_000).toISOString()];
    const check = await cli(['check', '--file', file, '--queue-id', 'queue-1', '--max-calls-per-number', '1', '--cap-days', '7', '--json']);
    assert.equal(check.code, 0, check.stderr);
    const counts = JSON.parse(check.stdout) as Record<string, unknown>;
    assert.deepEqual(
      { valid: counts.valid, rejected: counts.rejected, suppressed: counts.suppressed, overCap: counts.overCap },
      { valid: 2, rejected: 1, suppressed: 0, overCap: 1 },
      `check --json: ${check.stdout}`,
    );

    const result = await startAndWait(second, file, ...capFlags);
    assert.equal(result.status, 'COMPLETED', JSON.stringify(result));
    assert.deepEqual(result.outcomes, { CREATED: 1, DEFLECTED: 0, REJECTED: 1, FAILED: 0, CANCELLED: 0, SUPPRESSED: 1 });
    const report = await cli(['report', '--campaign-id', second]);
    const row = reportRows(report.stdout).find((r) => r[0] === 'r-0');
    assert.equal(row?.[2], 'SUPPRESSED', report.stdout);
    assert.equal(row?.[5], 'OVER_FREQUENCY_CAP', report.stdout);
    const calls = stack.emulator.contacts().filter((c) => c.customerAddress === shared);
    assert.equal(calls.length, 1, 'the shared number was called once, by the first campaign');
  });

  test('a cap flag names its field: --cap-days 31 and --max-calls-per-number alone are refused before anything starts', async () => {
    const file = await writeList([freshNumber()]);
    const days = await cli(startArgs(uniqueCampaignId('cap-bad'), file, '--max-calls-per-number', '3', '--cap-days', '31'));
    assert.equal(days.code, 2);
    assert.match(days.stderr, /frequencyCap\.days: at most 30 days.*\(--cap-days\)/);
    const alone = await cli(startArgs(uniqueCampaignId('cap-bad'), file, '--max-calls-per-number', '3'));
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /frequencyCap\.days: a cap needs the days it counts over/);
  });

  test('purge removes an ended campaign’s numbers and attributes, keeps its outcomes (the report lists every row), and refuses a running campaign', async () => {
    const numbers = [freshNumber(), freshNumber(), freshNumber()];
    const ended = uniqueCampaignId('purge-ended');
    await startAndWait(ended, await writeList(numbers));
    const before = await cli(['report', '--campaign-id', ended]);
    const key = campaignWorkflowId(ended);
    assert.equal(await stagedCount(key), 3);

    const purge = await cli(['purge', '--campaign-id', ended, '--json']);
    assert.equal(purge.code, 0, purge.stderr);
    assert.deepEqual(JSON.parse(purge.stdout), { purged: [{ campaignId: ended, entries: 3, deflections: 0 }], stillRunning: [] });
    assert.equal(await stagedCount(key), 0, 'no staged entry (number, attributes) is left');
    const pool = stack.testStore.database.pool;
    const left = await Promise.all(
      ['staged_entries', 'recipient_sends', 'attempts', 'outcomes'].map((table) => pool.query(`SELECT * FROM ${table} WHERE campaign_key = $1`, [key])),
    );
    const dump = JSON.stringify(left.map((r) => r.rows as unknown));
    for (const n of numbers) assert.ok(!dump.includes(n), `${n} is gone from the store`);
    const afterPurge = await cli(['report', '--campaign-id', ended]);
    assert.equal(afterPurge.stdout, before.stdout, 'the report (ids, outcomes, contact ids) is the same');
    assert.equal(reportRows(afterPurge.stdout).length, 3);

    // Still running: its entries wait for a window that opens only after tomorrow. The number is
    // New York's (+1646), whose local date is UTC's or the day before: restricting yesterday,
    // today and tomorrow by UTC closes every zone's today, at any hour the test runs.
    const running = uniqueCampaignId('purge-running');
    const utcDate = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
    const closed = [utcDate(-1), utcDate(0), utcDate(1)].join(',');
    const start = await cli(startArgs(running, await writeList([freshNumber()]), '--calling-hours', '00:00-24:00', '--default-time-zone', 'UTC', '--restricted-dates', closed));
    assert.equal(start.code, 0, start.stderr);
    await eventually('the campaign is staged', async () => (await stack.store.stagingSummary(campaignWorkflowId(running))) ?? undefined, { timeoutMs: 60_000, retryErrors: true });
    const refused = await cli(['purge', '--campaign-id', running]);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /campaignId: campaign .* is still running/);
    assert.equal(await stagedCount(campaignWorkflowId(running)), 1, 'nothing was purged');
    assert.equal((await cli(['cancel', '--campaign-id', running])).code, 0);
  });

  test('a worker with CONNECT_DIALER_RETENTION_DAYS purges a campaign once it has ended that long ago; purge --ended-before finds none left', async () => {
    const taskQueue = `retention-${randomUUID()}`;
    // 0.00002 days is 1.7 s: the worker looks every second.
    stack.spawnWorkerProcess(taskQueue, { CONNECT_DIALER_RETENTION_DAYS: '0.00002' });
    const campaignId = uniqueCampaignId('retention');
    const n = freshNumber();
    const run = await cli([...startArgs(campaignId, await writeList([n])), '--wait', '--json'], { TEMPORAL_TASK_QUEUE: taskQueue });
    assert.equal(run.code, 0, run.stderr);
    const key = campaignWorkflowId(campaignId);
    const purgedAt = await eventually('the worker purged the campaign', async () => stack.store.purgedAt(key), { timeoutMs: 60_000 });
    assert.ok(purgedAt > 0);
    assert.equal(await stagedCount(key), 0);
    const report = await cli(['report', '--campaign-id', campaignId]);
    assert.match(report.stdout, /^r-0,0,CREATED,/m, 'the outcome is kept');
    const again = await cli(['purge', '--ended-before', '0m', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(!(JSON.parse(again.stdout) as { purged: { campaignId: string }[] }).purged.some((p) => p.campaignId === campaignId), 'already purged');
  });
});
