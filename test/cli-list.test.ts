// `connect-dialer list`: campaigns by status, newest first, read from Temporal's visibility store,
// run as a user would (the package's bin, a process of its own) against the real stack.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CampaignListing } from '../src/campaign-list';
import type { CampaignSpecInput } from '../src/domain/campaign';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { testTemporal } from './support/temporal';
import { eventually } from './support/eventually';

const bin = join(__dirname, '..', 'bin', 'connect-dialer.cjs');

let stack: Stack;
let env: NodeJS.ProcessEnv;

/** Three campaigns that ended, oldest first, and one left paused (the newest). */
const ids = {
  completed: uniqueCampaignId('list-done'),
  cancelled: uniqueCampaignId('list-cancelled'),
  terminated: uniqueCampaignId('list-terminated'),
  paused: uniqueCampaignId('list-paused'),
};

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `list --json` (with more flags), until `ready` holds of our campaigns: visibility lags the workflows a little. */
async function listUntil(what: string, flags: string[], ready: (ours: CampaignListing[]) => boolean): Promise<CampaignListing[]> {
  let last: CampaignListing[] = [];
  return eventually(
    () => `${what}; last seen: ${JSON.stringify(last.map((l) => [l.campaignId, l.status]))}`,
    async () => {
      const run = await cli('list', '--json', '--limit', '1000', ...flags);
      assert.equal(run.code, 0, `list failed: ${run.stderr}`);
      const ourIds: string[] = Object.values(ids);
      last = (JSON.parse(run.stdout) as CampaignListing[]).filter((l) => ourIds.includes(l.campaignId));
      return ready(last) && last;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

function spec(campaignId: string, size: number): CampaignSpecInput {
  return { campaignId, instanceId: 'instance-1', defaults: campaignDefaults, dialList: { kind: 'inline', entries: Array.from({ length: size }, (_, i) => entry(i)) } };
}

describe('connect-dialer list', { timeout: 300_000 }, () => {
  before(
    async () => {
      stack = await startStack();
      const temporal = await testTemporal();
      env = { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default' };
      const campaigns = stack.campaigns;
      await campaigns.start(spec(ids.completed, 30));
      assert.equal((await campaigns.result(ids.completed)).status, 'COMPLETED');
      await campaigns.start(spec(ids.cancelled, 30));
      await campaigns.pause(ids.cancelled);
      await campaigns.cancel(ids.cancelled, 'wrong list');
      assert.equal((await campaigns.result(ids.cancelled)).status, 'CANCELLED');
      // Terminated while paused: its status attribute says PAUSED, but it is no longer running.
      await campaigns.start(spec(ids.terminated, 30));
      await campaigns.pause(ids.terminated);
      await eventually('PAUSED', async () => (await campaigns.progress(ids.terminated)).status === 'PAUSED');
      await campaigns.handle(ids.terminated).terminate('operator');
      await campaigns.start(spec(ids.paused, 30));
      await campaigns.pause(ids.paused, 'held for the list test');
      await eventually('PAUSED', async () => (await campaigns.progress(ids.paused)).status === 'PAUSED');
    },
    { timeout: 240_000 },
  );
  after(async () => {
    await stack?.campaigns.cancel(ids.paused).catch(() => undefined);
    await stack?.stop();
  });

  test('--json lists every campaign with its status, running ones first, then ended ones by when they ended, newest first', async () => {
    const ours = await listUntil('all four campaigns with their final statuses', [], (l) => l.length === 4 && l.some((c) => c.status === 'TERMINATED'));
    assert.deepEqual(
      ours.map((l) => [l.campaignId, l.status]),
      [
        [ids.paused, 'PAUSED'],
        [ids.terminated, 'TERMINATED'],
        [ids.cancelled, 'CANCELLED'],
        [ids.completed, 'COMPLETED'],
      ],
    );
    const paused = ours[0]!;
    assert.equal(paused.workflowId, `campaign-${ids.paused}`);
    assert.equal(paused.endedAt, undefined, 'a running campaign has no end');
    for (const ended of ours.slice(1)) assert.ok(ended.endedAt && Date.parse(ended.endedAt) >= Date.parse(ended.startedAt), `${ended.campaignId}: ended ${ended.endedAt}`);
  });

  test('--status keeps the campaigns in that status only', async () => {
    const paused = await listUntil('the paused campaign alone', ['--status', 'PAUSED'], (l) => l.length > 0);
    assert.deepEqual(
      paused.map((l) => l.campaignId),
      [ids.paused],
    );
    const completed = await listUntil('the completed campaign alone', ['--status', 'COMPLETED'], (l) => l.length > 0);
    assert.deepEqual(
      completed.map((l) => [l.campaignId, l.status]),
      [[ids.completed, 'COMPLETED']],
    );
  });

  test('without --json it prints a table with a header; --limit caps the rows', async () => {
    await listUntil('the paused campaign', ['--status', 'PAUSED'], (l) => l.length > 0);
    const table = await cli('list', '--status', 'PAUSED', '--limit', '1000');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^CAMPAIGN\s+STATUS\s+STARTED\s+ENDED\s+DURATION$/);
    const row = lines.find((l) => l.startsWith(ids.paused));
    assert.ok(row, `no row for ${ids.paused} in:\n${table.stdout}`);
    assert.match(row, new RegExp(`^${ids.paused}\\s+PAUSED\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ\\s+–\\s+\\S+$`));
    const one = await cli('list', '--json', '--limit', '1');
    assert.equal((JSON.parse(one.stdout) as unknown[]).length, 1, one.stdout);
  });

  test('an unknown status is refused with the statuses there are (exit 2)', async () => {
    const run = await cli('list', '--status', 'DONE');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--status.*DONE.*RUNNING/s);
  });
});
