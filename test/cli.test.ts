import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { getEventListeners } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CampaignResult, Progress } from '../src/domain/progress';
import { freePort } from '../src/dev/ports';
import { startStack, uniqueCampaignId, type Stack } from './support/stack';
import { cliBin as bin, cliEnvFor, repoRoot as root, spawnCli as spawnCliProcess, type CliRun } from './support/cli-process';
import { eventually } from './support/eventually';

let stack: Stack;
let env: NodeJS.ProcessEnv;
let work: string;

before(async () => {
  stack = await startStack();
  work = await mkdtemp(join(tmpdir(), 'connect-dialer-cli-'));
  env = await cliEnvFor(stack);
});
after(async () => {
  await stack?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

type Run = CliRun;

/** Runs the CLI as a user would: a separate process through the package's bin script. */
function spawnCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs?: number): { child: ChildProcess; done: Promise<Run> } {
  return spawnCliProcess(args, { ...env, ...extraEnv }, { timeoutMs });
}

function cli(...args: string[]): Promise<Run> {
  return spawnCli(args).done;
}

function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  return eventually(what, probe, { timeoutMs, intervalMs: 200, retryErrors: true });
}

/** 60 rows: 57 good numbers, 2 malformed and 1 without a number. */
async function writeCsv(name: string): Promise<string> {
  const rows = ['RequestIdentifier,PhoneNumber,FirstName'];
  for (let i = 0; i < 60; i++) {
    const phone = i === 10 ? 'not-a-number' : i === 20 ? '555-0100' : i === 30 ? '' : `+1415555${String(i).padStart(4, '0')}`;
    rows.push(`r-${i},${phone},Name${i}`);
  }
  const path = join(work, name);
  await writeFile(path, rows.join('\n') + '\n');
  return path;
}

describe('connect-dialer CLI against a real stack', () => {
  test('start --wait --json prints only the result as JSON and exits 0; status and report agree', async () => {
    const campaignId = uniqueCampaignId('cli-wait');
    const file = await writeCsv(`${campaignId}.csv`);
    const run = await cli(
      'start',
      '--file',
      file,
      '--campaign-id',
      campaignId,
      '--instance-id',
      'instance-1',
      '--queue-id',
      'queue-1',
      '--attribute',
      'source=cli-test',
      '--wait',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as CampaignResult;
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.total, 60);
    assert.deepEqual(result.outcomes, { CREATED: 57, DEFLECTED: 0, REJECTED: 3, FAILED: 0, CANCELLED: 0, SUPPRESSED: 0 });
    assert.equal(result.batchesSent, 3);
    const created = stack.emulator.contacts({ channel: 'VOICE' }).filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}/`));
    assert.equal(created.length, 57);
    assert.equal(created.find((c) => c.requestIdentifier === 'r-1')?.attributes?.source, 'cli-test');

    const status = await cli('status', '--campaign-id', campaignId, '--json');
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as CampaignResult).outcomes.CREATED, 57);
    const statusText = await cli('status', '--campaign-id', campaignId);
    assert.match(statusText.stdout, new RegExp(`Campaign ${campaignId} COMPLETED`));
    assert.match(statusText.stdout, /CREATED 57 · DEFLECTED 0 · REJECTED 3/);

    const report = await cli('report', '--campaign-id', campaignId, '--format', 'csv');
    assert.equal(report.code, 0, report.stderr);
    const lines = report.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'RequestIdentifier,Index,Outcome,ContactId,RelatedContactId,FailureCode,Field,Message');
    assert.equal(lines.length, 61);
    const rejected = lines.filter((l) => l.split(',')[2] === 'REJECTED');
    assert.deepEqual(
      rejected.map((l) => l.split(',')[0]),
      ['r-10', 'r-20', 'r-30'],
    );
    for (const l of rejected) assert.equal(l.split(',')[6], 'CustomerEndpoint.Address');
    const createdRow = lines.find((l) => l.startsWith('r-1,'))?.split(',');
    assert.equal(createdRow?.[2], 'CREATED');
    assert.ok(
      created.some((c) => c.contactId === createdRow?.[3]),
      'the report carries the ContactId Connect returned',
    );

    const out = join(work, `${campaignId}.jsonl`);
    const toFile = await cli('report', '--campaign-id', campaignId, '--format', 'jsonl', '--out', out);
    assert.equal(toFile.code, 0, toFile.stderr);
    const records = (await readFile(out, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string });
    assert.equal(records.length, 60);
    assert.equal(records.filter((r) => r.outcome === 'CREATED').length, 57);
  });

  test('start --config takes the campaign from JSON (dial list relative to it); flags override; a rerun of the id exits 2', async () => {
    const campaignId = uniqueCampaignId('cli-config');
    const entries = Array.from({ length: 30 }, (_, i) => ({
      RequestIdentifier: `j-${i}`,
      CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: `+1212555${String(i).padStart(4, '0')}` },
    }));
    await writeFile(join(work, `${campaignId}.jsonl`), entries.map((e) => JSON.stringify(e)).join('\n'));
    const config = join(work, `${campaignId}.json`);
    await writeFile(
      config,
      JSON.stringify({
        campaignId: 'replaced-by-flag',
        instanceId: 'instance-1',
        defaults: { QueueId: 'queue-1' },
        pacing: { batchSize: 25 },
        dialList: { kind: 'file', path: `${campaignId}.jsonl` },
      }),
    );
    const run = await cli('start', '--config', config, '--campaign-id', campaignId, '--batch-size', '10', '--wait', '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as CampaignResult;
    assert.equal(result.campaignId, campaignId);
    assert.equal(result.outcomes.CREATED, 30);
    assert.equal(result.batchesSent, 3, '--batch-size 10 overrides the file');

    const again = await cli('start', '--config', config, '--campaign-id', campaignId);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^campaignId: .*already ran/m);
  });

  test('start --wait draws no progress when stderr is not a terminal; --progress lines asks for plain lines', async () => {
    const file = await writeCsv(`${uniqueCampaignId('cli-progress')}.csv`);
    const start = (campaignId: string, ...extra: string[]): Promise<Run> =>
      cli('start', '--file', file, '--campaign-id', campaignId, '--instance-id', 'instance-1', '--queue-id', 'queue-1', '--wait', ...extra);

    const quiet = uniqueCampaignId('cli-quiet');
    const auto = await start(quiet);
    assert.equal(auto.code, 0, auto.stderr);
    assert.match(auto.stdout, new RegExp(`^Campaign ${quiet} COMPLETED after .*: 60 entries$`, 'm'));
    assert.match(auto.stdout, /CREATED 57 · DEFLECTED 0 · REJECTED 3 · FAILED 0 · CANCELLED 0/);
    assert.doesNotMatch(auto.stderr, /\d+\/60 \(\d+%\)/, 'no progress without a terminal');

    const lines = await start(uniqueCampaignId('cli-lines'), '--progress', 'lines');
    assert.equal(lines.code, 0, lines.stderr);
    assert.match(lines.stderr, /^\[\d+s\] COMPLETED 60\/60 \(100%\) · .*\/s · ETA 0s \| CREATED 57 · DEFLECTED 0 · REJECTED 3/m);

    const bad = await cli('start', '--file', file, '--campaign-id', 'x', '--instance-id', 'i', '--progress', 'loud');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--progress <mode>.*'loud' is invalid.*auto, bar, lines, off/s);
  });

  test('status --watch shows a live table while the campaign runs and exits 0 with its result when it ends', async () => {
    const campaignId = uniqueCampaignId('cli-watch');
    const file = await writeCsv(`${campaignId}.csv`);
    // 57 entries in batches of 5, one at a time, 2 batches a second: about 6 s of running campaign.
    const started = await cli(
      'start',
      '--file',
      file,
      '--campaign-id',
      campaignId,
      '--instance-id',
      'instance-1',
      '--queue-id',
      'queue-1',
      '--batch-size',
      '5',
      '--in-flight',
      '1',
      '--rate',
      '2',
    );
    assert.equal(started.code, 0, started.stderr);
    const watch = await cli('status', '--campaign-id', campaignId, '--watch', '--interval', '0.3');
    assert.equal(watch.code, 0, watch.stderr);
    const tables = watch.stdout.split('\n').filter((l) => l.startsWith(`Campaign ${campaignId} RUNNING · `));
    assert.ok(tables.length >= 2, `the table is redrawn as the campaign moves (stdout is no terminal: a table per change):\n${watch.stdout}`);
    assert.match(tables[0] ?? '', /· \d+ of 60 \(\d+%\) · [\d.]+\/s · ETA /);
    assert.match(watch.stdout, /CREATED \d+ · DEFLECTED 0 · REJECTED 3 · FAILED 0 · CANCELLED 0/);
    assert.match(watch.stdout, /pace (full speed|\+\d+ ms\/batch) · [01] batch(es)? in flight · \d+ retries/);
    assert.match(watch.stdout, /lanes: /);
    assert.match(watch.stdout, new RegExp(`Campaign ${campaignId} COMPLETED after .*: 60 entries\\n  CREATED 57`), 'it ends with the result');

    const ended = await cli('status', '--campaign-id', campaignId, '--watch');
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, new RegExp(`^Campaign ${campaignId} COMPLETED`), 'an ended campaign shows its result at once');
    const both = await cli('status', '--campaign-id', campaignId, '--watch', '--json');
    assert.equal(both.code, 2, '--watch and --json do not go together');
  });

  test('pause, resume, deflect and cancel steer a running campaign; start --wait then exits 1 with CANCELLED', async () => {
    const campaignId = uniqueCampaignId('cli-steer');
    const rows = ['RequestIdentifier,PhoneNumber', ...Array.from({ length: 600 }, (_, i) => `s-${i},+1415555${String(i).padStart(4, '0')}`)];
    const file = join(work, `${campaignId}.csv`);
    await writeFile(file, rows.join('\n'));
    // 120 batches one at a time, 400 ms each: time enough to steer it from other processes on a busy machine.
    stack.emulator.configure({ latencyMs: 400 });
    try {
      const waiting = spawnCli([
        'start',
        '--file',
        file,
        '--campaign-id',
        campaignId,
        '--instance-id',
        'instance-1',
        '--queue-id',
        'queue-1',
        '--batch-size',
        '5',
        '--in-flight',
        '1',
        '--chat-source-arn',
        'arn:aws:connect:us-east-1:123456789012:phone-number/abc',
        '--chat-flow-id',
        'flow-1',
        '--wait',
        '--json',
      ]);
      const progress = (): Promise<Progress> => stack.campaigns.progress(campaignId);
      await until('the campaign to run', async () => ((await progress()).status === 'RUNNING' ? true : undefined));

      const pause = await cli('pause', '--campaign-id', campaignId, '--reason', 'agents at lunch');
      assert.equal(pause.code, 0, pause.stderr);
      const paused = await until('PAUSED', async () => {
        const p = await progress();
        return p.status === 'PAUSED' && p.batchesInFlight === 0 ? p : undefined;
      });
      assert.equal(paused.pauseReason, 'agents at lunch');
      const status = await cli('status', '--campaign-id', campaignId, '--json');
      assert.equal(status.code, 0, status.stderr);
      const shown = JSON.parse(status.stdout) as Progress;
      assert.equal(shown.status, 'PAUSED');
      assert.equal(shown.batchesSent, paused.batchesSent, 'no batch starts while paused');

      const resume = await cli('resume', '--campaign-id', campaignId);
      assert.equal(resume.code, 0, resume.stderr);
      await until('RUNNING again', async () => {
        const p = await progress();
        return p.status === 'RUNNING' && p.batchesSent > paused.batchesSent ? true : undefined;
      });

      const deflect = await cli('deflect', '--campaign-id', campaignId, '--request-id', 's-599,nobody', '--message', 'Text instead?', '--json');
      assert.equal(deflect.code, 0, deflect.stderr);
      const answer = JSON.parse(deflect.stdout) as { accepted: string[]; refused: { requestIdentifier: string; reason: string }[] };
      assert.deepEqual(answer.accepted, ['s-599']);
      assert.deepEqual(
        answer.refused.map((r) => [r.requestIdentifier, r.reason]),
        [['nobody', 'UNKNOWN_REQUEST_IDENTIFIER']],
      );
      await until('the SMS to go out', async () => ((await progress()).outcomes.DEFLECTED === 1 ? true : undefined));
      const chat = stack.emulator.contacts({ channel: 'CHAT' }).find((c) => c.clientToken?.startsWith(`campaign-${campaignId}`));
      assert.equal(chat?.customerAddress, '+14155550599');

      const cancel = await cli('cancel', '--campaign-id', campaignId, '--reason', 'wrong list');
      assert.equal(cancel.code, 0, cancel.stderr);
      const run = await waiting.done;
      assert.equal(run.code, 1, run.stderr);
      const result = JSON.parse(run.stdout) as CampaignResult;
      assert.equal(result.status, 'CANCELLED');
      assert.match(result.reason ?? '', /wrong list/);
      assert.equal(result.outcomes.DEFLECTED, 1);
      assert.ok(result.outcomes.CANCELLED > 0, 'the unsent rest is CANCELLED');
      assert.equal(result.outcomes.CREATED + result.outcomes.DEFLECTED + result.outcomes.CANCELLED, 600);
      assert.equal(run.stderr, '', 'with --json and no terminal, stderr stays quiet too');
    } finally {
      stack.emulator.configure({ latencyMs: 0 });
    }
  });

  test('a number in an area code the numbering plan does not know is sent, as Connect would take it', async () => {
    const campaignId = uniqueCampaignId('cli-new-area');
    const file = join(work, `${campaignId}.csv`);
    await writeFile(file, 'RequestIdentifier,PhoneNumber\nknown,+14155550100\nnew-area,+1 (999) 555-0100\nshort,+1415555010\n');
    const run = await cli('start', '--file', file, '--campaign-id', campaignId, '--instance-id', 'instance-1', '--queue-id', 'queue-1', '--wait', '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as CampaignResult).outcomes, { CREATED: 2, DEFLECTED: 0, REJECTED: 1, FAILED: 0, CANCELLED: 0, SUPPRESSED: 0 });
    const sent = stack.emulator.contacts({ channel: 'VOICE' }).filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}/`));
    assert.equal(sent.find((c) => c.requestIdentifier === 'new-area')?.customerAddress, '+19995550100', 'normalised to E.164');
    const report = await cli('report', '--campaign-id', campaignId, '--format', 'jsonl');
    const short = report.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { requestIdentifier: string; message?: string })
      .find((r) => r.requestIdentifier === 'short');
    assert.match(short?.message ?? '', /is too short for a number with country calling code \+1/);
  });

  test('--phone-check valid also wants the numbering plan, and the rejection names that rule', async () => {
    const campaignId = uniqueCampaignId('cli-valid');
    const file = join(work, `${campaignId}.csv`);
    await writeFile(file, 'RequestIdentifier,PhoneNumber\nknown,+14155550100\nnew-area,+19995550100\n');
    const run = await cli(
      'start',
      '--file',
      file,
      '--campaign-id',
      campaignId,
      '--instance-id',
      'instance-1',
      '--queue-id',
      'queue-1',
      '--phone-check',
      'valid',
      '--wait',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as CampaignResult).outcomes.REJECTED, 1);
    const report = await cli('report', '--campaign-id', campaignId, '--format', 'csv');
    assert.match(report.stdout, /^new-area,1,REJECTED,.*not in its numbering plan.*phone check ""valid""/m);
  });

  test('one unterminated quote in row 51 of 100 REJECTS that row, naming line 52, and sends the other 99', async () => {
    const campaignId = uniqueCampaignId('cli-quote');
    const rows = ['RequestIdentifier,PhoneNumber,Name'];
    for (let i = 1; i <= 100; i++) rows.push(`q-${i},+1415555${String(i).padStart(4, '0')},${i === 51 ? '"Smith, Jane' : `Name ${i}`}`);
    const file = join(work, `${campaignId}.csv`);
    await writeFile(file, rows.join('\n') + '\n');
    const run = await cli('start', '--file', file, '--campaign-id', campaignId, '--instance-id', 'instance-1', '--queue-id', 'queue-1', '--wait', '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as CampaignResult;
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.outcomes, { CREATED: 99, DEFLECTED: 0, REJECTED: 1, FAILED: 0, CANCELLED: 0, SUPPRESSED: 0 });
    const report = await cli('report', '--campaign-id', campaignId, '--format', 'jsonl');
    const rejected = report.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; index: number; message?: string })
      .filter((r) => r.outcome === 'REJECTED');
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]?.index, 50);
    assert.match(rejected[0]?.message ?? '', /^line 52: a quoted field opens on this line and is never closed/);
  });

  test('a Latin-1 list exits 2 naming the line and byte, without sending anything; --encoding latin1 sends the names intact', async () => {
    const campaignId = uniqueCampaignId('cli-latin1');
    const file = join(work, `${campaignId}.csv`);
    await writeFile(file, Buffer.concat([Buffer.from('RequestIdentifier,PhoneNumber,Name\nl-1,+14155550100,Ada\nl-2,+14155550101,Zo'), Buffer.from([0xeb]), Buffer.from('\n')]));
    const refused = await cli('start', '--file', file, '--campaign-id', campaignId, '--instance-id', 'instance-1', '--queue-id', 'queue-1', '--wait', '--json');
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^dialList\.encoding: dial list .* is not UTF-8: line 3 holds the byte 0xEB .*--encoding latin1.* \(--encoding\)$/m);
    assert.equal((JSON.parse(refused.stdout) as CampaignResult).status, 'FAILED', 'the result is still on stdout');
    assert.equal(stack.emulator.contacts().filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}/`)).length, 0);

    const again = uniqueCampaignId('cli-latin1-ok');
    const run = await cli('start', '--file', file, '--encoding', 'latin1', '--campaign-id', again, '--instance-id', 'instance-1', '--queue-id', 'queue-1', '--wait', '--json');
    assert.equal(run.code, 0, run.stderr);
    const sent = stack.emulator.contacts({ channel: 'VOICE' }).find((c) => c.clientToken?.startsWith(`campaign-${again}/`) && c.requestIdentifier === 'l-2');
    assert.equal(sent?.attributes?.Name, 'Zoë');
  });

  test('a list the worker cannot read exits 2 with "dialList.path: reason" on stderr, the FAILED result still on stdout', async () => {
    const campaignId = uniqueCampaignId('cli-missing');
    const missing = join(work, 'no-such-list.csv');
    const run = await cli('start', '--file', missing, '--campaign-id', campaignId, '--instance-id', 'instance-1', '--queue-id', 'queue-1', '--wait', '--json');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`^dialList\\.path: dial list not found: ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .* \\(--file\\)$`, 'm'));
    const result = JSON.parse(run.stdout) as CampaignResult;
    assert.equal(result.status, 'FAILED');
    assert.match(result.reason ?? '', /dial list not found/);

    const noPhone = join(work, `${campaignId}-nophone.csv`);
    await writeFile(noPhone, 'RequestIdentifier,QueueId,Mobile\na,q,+14155550100\n');
    const text = await cli('start', '--file', noPhone, '--campaign-id', `${campaignId}-b`, '--instance-id', 'instance-1', '--wait');
    assert.equal(text.code, 2, text.stderr);
    assert.match(text.stderr, /^dialList\.columns\.phoneNumber: dial list .* has no phone number column "PhoneNumber".* \(--phone-column\)$/m);
    assert.match(text.stdout, /FAILED/);
  });

  test('a CSV whose rows carry their own QueueId starts without --queue-id', async () => {
    const campaignId = uniqueCampaignId('cli-row-queues');
    const file = join(work, `${campaignId}.csv`);
    await writeFile(file, 'PhoneNumber,QueueId\n+14155550100,queue-1\n+14155550101,\n');
    const run = await cli('start', '--file', file, '--campaign-id', campaignId, '--instance-id', 'instance-1', '--wait', '--json');
    assert.equal(run.code, 0, run.stderr);
    // The row without one is REJECTED on its own, as ever.
    assert.deepEqual((JSON.parse(run.stdout) as CampaignResult).outcomes, { CREATED: 1, DEFLECTED: 0, REJECTED: 1, FAILED: 0, CANCELLED: 0, SUPPRESSED: 0 });
  });

  test('a v2 campaign starts and is steered end to end; a v2 campaign that does not exist exits 2 before anything starts', async () => {
    const campaignId = uniqueCampaignId('cli-v2');
    const file = join(work, `${campaignId}.csv`);
    const rows = ['RequestIdentifier,PhoneNumber'];
    for (let i = 0; i < 100; i++) rows.push(`${campaignId}-${i},+1415555${String(i).padStart(4, '0')}`);
    await writeFile(file, rows.join('\n'));
    const v2 = ['--instance-id', 'instance-1', '--v2-campaign-id', 'v2-cli', '--request-ttl', '3600', '--connect-endpoint', stack.emulator.url];

    stack.emulator.configure({ missingCampaignIds: ['v2-cli'] });
    const missing = await cli('start', '--file', file, '--campaign-id', campaignId, ...v2, '--wait');
    stack.emulator.configure({ missingCampaignIds: [] });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /submission\.campaignId: no Outbound Campaigns v2 campaign "v2-cli".*--v2-campaign-id/);

    // No --queue-id: the v2 campaign routes the calls.
    const started = await cli(
      'start',
      '--file',
      file,
      '--campaign-id',
      campaignId,
      ...v2,
      '--batch-size',
      '10',
      '--in-flight',
      '1',
      '--rate',
      '1',
      '--chat-source-arn',
      'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1',
      '--chat-flow-id',
      'flow-sms',
    );
    assert.equal(started.code, 0, started.stderr);
    assert.equal((await cli('pause', '--campaign-id', campaignId, '--reason', 'v2 pause')).code, 0);
    // Deflected while paused: the last entry is still unsent however slowly the CLI starts on a busy machine.
    const deflect = await cli('deflect', '--campaign-id', campaignId, '--request-id', `${campaignId}-99`, '--json');
    assert.equal(deflect.code, 0, deflect.stderr);
    assert.deepEqual((JSON.parse(deflect.stdout) as { accepted: string[] }).accepted, [`${campaignId}-99`]);
    assert.equal((await cli('resume', '--campaign-id', campaignId)).code, 0);
    const result = await stack.campaigns.result(campaignId);
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.outcomes.CREATED, 99);
    assert.equal(result.outcomes.DEFLECTED, 1);
    const requests = stack.emulator.contacts({ channel: 'OUTBOUND_REQUEST' }).filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}.e`));
    assert.equal(requests.length, result.outcomes.CREATED, 'one dial request per CREATED entry');
    assert.ok(requests.every((r) => r.campaignId === 'v2-cli'));
  });

  test('a v2 campaign starts without --instance-id; only SMS deflection asks for one, and says why', async () => {
    const campaignId = uniqueCampaignId('cli-v2-no-instance');
    const file = join(work, `${campaignId}.csv`);
    const rows = ['RequestIdentifier,PhoneNumber'];
    for (let i = 0; i < 30; i++) rows.push(`${campaignId}-${i},+1415555${String(i).padStart(4, '0')}`);
    await writeFile(file, rows.join('\n'));
    const v2 = ['--v2-campaign-id', 'v2-no-instance', '--connect-endpoint', stack.emulator.url];

    const run = await cli('start', '--file', file, '--campaign-id', campaignId, ...v2, '--wait', '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as CampaignResult;
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.outcomes.CREATED, 30);
    const requests = stack.emulator.contacts({ channel: 'OUTBOUND_REQUEST' }).filter((c) => c.clientToken?.startsWith(`campaign-${campaignId}.e`));
    assert.equal(requests.length, 30, 'one dial request per entry');

    const chat = ['--chat-source-arn', 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', '--chat-flow-id', 'flow-sms'];
    const withSms = await cli('start', '--file', file, '--campaign-id', `${campaignId}-sms`, ...v2, ...chat);
    assert.equal(withSms.code, 2, withSms.stderr);
    assert.match(
      withSms.stderr,
      /^instanceId: required with SMS deflection \(chat settings\): StartOutboundChatContact sends each SMS through an Amazon Connect instance.* \(--instance-id\)$/m,
    );
    const batchPut = await cli('start', '--file', file, '--campaign-id', `${campaignId}-bpc`, '--queue-id', 'queue-1');
    assert.equal(batchPut.code, 2, batchPut.stderr);
    assert.match(batchPut.stderr, /^instanceId: required: BatchPutContact creates the contacts on an Amazon Connect instance .*\(--instance-id\)$/m);
  });

  test('start --wait through 60 runs (continue-as-new after every batch) prints no warning and holds one abort listener at a time', async () => {
    const campaignId = uniqueCampaignId('cli-long-wait');
    const entries = Array.from({ length: 60 }, (_, i) => ({ RequestIdentifier: `r-${i}`, PhoneNumber: `+1415555${String(i).padStart(4, '0')}` }));
    const config = join(work, `${campaignId}.json`);
    await writeFile(
      config,
      JSON.stringify({
        instanceId: 'instance-1',
        defaults: { QueueId: 'queue-1' },
        pacing: { batchSize: 1, batchesInFlight: 1 },
        continueAsNewAfterBatches: 1,
        dialList: { kind: 'file', path: `${campaignId}.csv` },
      }),
    );
    await writeFile(join(work, `${campaignId}.csv`), ['RequestIdentifier,PhoneNumber', ...entries.map((e) => `${e.RequestIdentifier},${e.PhoneNumber}`)].join('\n'));
    const run = await cli('start', '--config', config, '--campaign-id', campaignId, '--wait', '--progress', 'lines');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /COMPLETED/);
    assert.doesNotMatch(run.stderr, /Warning|\(node:\d+\)/, 'no warning while waiting');
    const runs = await stack.campaigns.client.workflow.count(`WorkflowId = 'campaign-${campaignId}'`);
    assert.ok(runs.count >= 60, `the wait followed ${runs.count} runs`);

    // In process: the caller's signal carries one listener at a time however many polls the wait takes.
    const again = uniqueCampaignId('cli-long-wait-b');
    await stack.campaigns.start({
      instanceId: 'instance-1',
      defaults: { QueueId: 'queue-1' },
      pacing: { batchSize: 1, batchesInFlight: 1 },
      continueAsNewAfterBatches: 1,
      campaignId: again,
      dialList: {
        kind: 'inline',
        entries: entries.slice(0, 15).map((e) => ({ RequestIdentifier: e.RequestIdentifier, CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: e.PhoneNumber } })),
      },
    });
    const stop = new AbortController();
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, getEventListeners(stop.signal, 'abort').length)), 5);
    const result = await stack.campaigns.result(again, { signal: stop.signal }).finally(() => clearInterval(sampler));
    assert.equal(result.status, 'COMPLETED');
    assert.ok(most <= 1, `at most one abort listener at a time, saw ${most}`);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0, 'none left once the wait is over');
  });

  test('steering a campaign that finished says so, with how it ended, instead of "no such campaign"', async () => {
    const campaignId = uniqueCampaignId('cli-finished');
    const file = join(work, `${campaignId}.csv`);
    await writeFile(file, 'PhoneNumber\n+14155550100\n');
    const run = await cli('start', '--file', file, '--campaign-id', campaignId, '--instance-id', 'instance-1', '--queue-id', 'queue-1', '--wait');
    assert.equal(run.code, 0, run.stderr);
    for (const steer of [['pause'], ['resume'], ['cancel', '--reason', 'late'], ['deflect', '--request-id', 'row-1']]) {
      const [command = '', ...rest] = steer;
      const late = await cli(command, '--campaign-id', campaignId, ...rest);
      assert.equal(late.code, 2, `${command}: ${late.stderr}`);
      assert.match(
        late.stderr,
        new RegExp(`^campaignId: campaign ${campaignId} has already finished: COMPLETED at \\d{4}-.*; only a running campaign can be told to ${command}\\b`, 'm'),
      );
      assert.doesNotMatch(late.stderr, /no such campaign/);
    }
  });

  test('steering an unknown campaign exits 2 naming the campaign id', async () => {
    const run = await cli('pause', '--campaign-id', uniqueCampaignId('nobody'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^campaignId: no such campaign/m);
  });
});

describe('connect-dialer CLI usage', { concurrency: true }, () => {
  test('bad input exits 2 with each field and reason on stderr, before touching Temporal', async () => {
    const run = await spawnCli(['start', '--file', 'list.csv', '--campaign-id', 'ok-1', '--instance-id', 'i', '--batch-size', '40', '--rate', 'fast'], {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    }).done;
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^pacing\.batchSize: .*25.* \(--batch-size\)$/m);
    assert.match(run.stderr, /^pacing\.batchesPerSecond: /m);
    assert.equal(run.stdout, '');
  });

  test('a CSV with no QueueId column and no --queue-id or --system-phone exits 2 naming --queue-id, before touching Temporal', async () => {
    const path = join(work, 'no-queue.csv');
    await writeFile(path, 'RequestIdentifier,PhoneNumber\na,+14155550100\n');
    const run = await spawnCli(['start', '--file', path, '--campaign-id', 'no-queue', '--instance-id', 'i'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }).done;
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /^defaults\.QueueId: neither QueueId nor SystemEndpoint is set as a campaign default, and the dial list has no "QueueId" column: every entry would be REJECTED .*\(--queue-id\)$/m,
    );
    const withPhone = await spawnCli(['start', '--file', path, '--campaign-id', 'no-queue', '--instance-id', 'i', '--system-phone', '+14155550199'], {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    }).done;
    assert.doesNotMatch(withPhone.stderr, /QueueId/, 'a SystemEndpoint default is enough');
    assert.match(withPhone.stderr, /cannot reach Temporal/);
  });

  test('--phone-check and --encoding take only their choices; --help explains them', async () => {
    const bad = await cli('start', '--file', 'x.csv', '--campaign-id', 'c', '--instance-id', 'i', '--phone-check', 'strict');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--phone-check <rule>.*'strict' is invalid.*possible, valid/s);
    const enc = await cli('start', '--file', 'x.csv', '--campaign-id', 'c', '--instance-id', 'i', '--encoding', 'utf16');
    assert.equal(enc.code, 2);
    assert.match(enc.stderr, /--encoding <encoding>.*'utf16' is invalid.*utf8, latin1/s);
    const help = await cli('start', '--help');
    assert.match(help.stdout, /--phone-check <rule>\s+possible \(default\)/);
    assert.match(help.stdout, /--encoding <encoding>\s+the file's encoding/);
  });

  test('a chat source number may be an instance-scoped phone number ARN; a malformed one exits 2 naming --chat-source-arn', async () => {
    const args = ['start', '--file', 'x.csv', '--campaign-id', 'c', '--instance-id', 'i', '--queue-id', 'q', '--chat-flow-id', 'f', '--chat-source-arn'];
    const scoped = await spawnCli([...args, 'arn:aws:connect:us-east-1:123456789012:instance/abc/phone-number/def'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }).done;
    assert.doesNotMatch(scoped.stderr, /sourcePhoneNumberArn/);
    assert.match(scoped.stderr, /cannot reach Temporal/, 'the spec passed; only Temporal is missing');
    const bad = await spawnCli([...args, 'arn:aws:connect:us-east-1:123456789012:instance/abc'], { TEMPORAL_ADDRESS: '127.0.0.1:1' }).done;
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^chat\.sourcePhoneNumberArn: must be a Connect phone number ARN: .*instance\/<instance-id>\/phone-number\/<id> \(--chat-source-arn\)$/m);
  });

  test('a start without its required parts names each missing field', async () => {
    const run = await cli('start', '--queue-id', 'q');
    assert.equal(run.code, 2);
    for (const field of ['campaignId', 'instanceId', 'dialList']) assert.match(run.stderr, new RegExp(`^${field}: `, 'm'));
  });

  test('a --config that is not JSON exits 2 naming config', async () => {
    const path = join(work, 'broken.json');
    await writeFile(path, '{ not json');
    const run = await cli('start', '--config', path);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^config: .*not JSON/m);
  });

  test('an unknown command or option exits 2', async () => {
    const unknown = await cli('launch');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'launch'/);
    const badFlag = await cli('status', '--campaign-id', 'x', '--colour');
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /unknown option '--colour'/);
    const missing = await cli('cancel');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--campaign-id/);
  });

  test('--help on the root and on every command shows the commands and examples', async () => {
    const commands = ['demo', 'dev', 'emulator', 'worker', 'start', 'status', 'pause', 'resume', 'cancel', 'deflect', 'report', 'codec-server', 'purge'];
    const rootHelp = await cli('--help');
    assert.equal(rootHelp.code, 0);
    for (const command of commands) {
      assert.match(rootHelp.stdout, new RegExp(`^  ${command} `, 'm'));
    }
    const helps = await Promise.all(commands.map((command) => cli(command, '--help')));
    commands.forEach((command, i) => {
      const help = helps[i];
      assert.equal(help?.code, 0, `${command} --help exits 0`);
      assert.match(help?.stdout ?? '', new RegExp(`^Usage: connect-dialer ${command} `, 'm'), `${command} --help shows its usage`);
      const example = command === 'demo' ? /Examples:\n {2}\$ npm start\n/ : new RegExp(`Examples:\\n {2}\\$ connect-dialer ${command}\\b`);
      assert.match(help?.stdout ?? '', example, `${command} --help shows examples`);
    });
    assert.match(rootHelp.stdout, /Exit codes: 0 success/);
    const startHelp = helps[commands.indexOf('start')];
    assert.match(startHelp?.stdout ?? '', /Examples:\n {2}\$ connect-dialer start --file /);
    assert.match(startHelp?.stdout ?? '', /--batch-size <n>/);
    const statusHelp = await cli('status', '--help');
    assert.equal(statusHelp.code, 0);
    assert.match(statusHelp.stdout, /--watch +keep a live table on screen/);
    assert.match(statusHelp.stdout, /It ends when the campaign does/);
    const workerHelp = await cli('worker', '--help');
    assert.match(workerHelp.stdout, /--metrics-port <port>/);
    assert.match(workerHelp.stdout, /--log-format <format>/);
    assert.match(workerHelp.stdout, /OTEL_EXPORTER_OTLP_ENDPOINT/);
    const deflectHelp = await cli('help', 'deflect');
    assert.equal(deflectHelp.code, 0);
    assert.match(deflectHelp.stdout, /\$ connect-dialer deflect --campaign-id/);
  });

  test('dev --exit-after-ready starts the stack on the given ports, prints each address and stops it all', async () => {
    const [temporalPort, uiPort, emulatorPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-dev-'));
    try {
      // Bundling the workflows and starting three servers takes minutes on a loaded 2-core machine.
      const ports = ['--temporal-port', temporalPort, '--ui-port', uiPort, '--emulator-port', emulatorPort, '--metrics-port', metricsPort].map(String);
      const run = await spawnCli(['dev', ...ports, '--data-dir', dataDir, '--exit-after-ready'], {}, 300_000).done;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`Temporal +127\\.0\\.0\\.1:${temporalPort}`));
      assert.match(run.stdout, new RegExp(`Temporal Web UI +http://127\\.0\\.0\\.1:${uiPort}`));
      assert.match(run.stdout, new RegExp(`Connect emulator +http://127\\.0\\.0\\.1:${emulatorPort}`));
      assert.match(run.stdout, new RegExp(`Metrics +http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
      assert.match(run.stderr, /Stopped\./);
      await readFile(join(dataDir, 'temporal.db')); // state kept for the next start
      for (const port of [temporalPort, uiPort, emulatorPort]) assert.equal(await isListening(port), false, `port ${port} still answers`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** Free ports and a fresh data folder for a demo or dev stack, as flags. */
async function stackFlags(): Promise<{ temporalPort: number; uiPort: number; emulatorPort: number; metricsPort: number; dataDir: string; ports: string[] }> {
  const [temporalPort, uiPort, emulatorPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-demo-'));
  const ports = ['--temporal-port', temporalPort, '--ui-port', uiPort, '--emulator-port', emulatorPort, '--metrics-port', metricsPort].map(String);
  return { temporalPort, uiPort, emulatorPort, metricsPort, dataDir, ports: [...ports, '--data-dir', dataDir] };
}

/** A person's environment: none of the test run's Temporal or data settings. */
const personEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_') && k !== 'CONNECT_DIALER_DATA_DIR'));

describe('npm start (the demo) as a person runs it', () => {
  test(
    'npm start -- --exit-when-done: the demo campaign COMPLETES and its result tells what happened on the calls (dispositions, redials, SMS after voicemail)',
    { timeout: 900_000 },
    async () => {
      const { ports, dataDir } = await stackFlags();
      try {
        const run = await spawnCliProcess(['demo', '--exit-when-done', ...ports], personEnv(), { timeoutMs: 840_000 }).done;
        assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
        assert.match(run.stdout, /^Campaign demo-\S+ COMPLETED after /m);
        const calls =
          /^ {2}calls: REACHED ([\d,]+) · VOICEMAIL ([\d,]+) · NO_ANSWER ([\d,]+) · BUSY ([\d,]+) · INVALID_NUMBER 0 · NOT_DIALLED 0 · UNKNOWN 0 · ([\d,]+) redials$/m.exec(
            run.stdout,
          );
        assert.ok(calls, `the result shows the calls:\n${run.stdout}`);
        // Counts are printed with thousands separators (1,940).
        const count = (text: string | undefined): number => Number((text ?? '').replaceAll(',', ''));
        const [reached, voicemail, noAnswer, busy, redials] = calls.slice(1).map(count) as [number, number, number, number, number];
        assert.ok(reached > 0 && voicemail > 0 && noAnswer > 0 && busy > 0 && redials > 0, calls[0]);
        // An SMS after each voicemail moves its entry from CREATED to DEFLECTED.
        const deflected = count(/DEFLECTED ([\d,]+)/.exec(run.stdout)?.[1]);
        assert.ok(deflected >= voicemail, `every voicemail got its SMS:\n${run.stdout}`);
        assert.match(run.stdout, /^Report: .*\.csv \(\d+ rows\)$/m);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );

  test('Ctrl-C mid-campaign stops the worker, the emulator and Temporal cleanly; the campaign carries on at the next start', { timeout: 900_000 }, async (t) => {
    const { temporalPort, uiPort, emulatorPort, metricsPort, dataDir, ports } = await stackFlags();
    try {
      // Its own process group, like a shell job: Ctrl-C in a terminal reaches every process of the group.
      const person = personEnv();
      const child = spawn(process.execPath, [bin, 'demo', ...ports], { cwd: root, env: person, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      // Whatever fails below, the demo (which runs until Ctrl-C) must not outlive the test and keep the file running.
      t.after(() => killGroup(child));
      const campaignId = await until('the demo campaign to start', () => /^Demo campaign (demo-\S+) started/m.exec(stderr)?.[1], 150_000);
      assert.match(stderr, new RegExp(`Metrics +http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
      assert.match(stderr, new RegExp(`Watch it in the UI: +http://127\\.0\\.0\\.1:${uiPort}/namespaces/default/workflows/campaign-${campaignId}`));
      assert.match(stderr, new RegExp(`npx connect-dialer pause --address 127\\.0\\.0\\.1:${temporalPort} --campaign-id ${campaignId}`));
      await new Promise((r) => setTimeout(r, 1_500));
      process.kill(-(child.pid ?? 0), 'SIGINT');
      const code = await Promise.race([closed, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
      if (code === 'hung') process.kill(-(child.pid ?? 0), 'SIGKILL');
      assert.equal(code, 130, `stdout:\n${stdout}\nstderr:\n${stderr}`);
      assert.match(stderr, new RegExp(`Stopped before the campaign ended; it is kept in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.match(stderr, /Stopped\.\n?$/);
      assert.doesNotMatch(stderr, /Error|Unhandled|ECONNREFUSED/i, 'a clean stop prints no errors');
      for (const port of [temporalPort, uiPort, emulatorPort]) assert.equal(await isListening(port), false, `port ${port} still answers`);

      // The next start of the stack picks the campaign up where it stopped.
      const dev = spawn(process.execPath, [bin, 'dev', ...ports], { cwd: root, env: person, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let devOut = '';
      dev.stdout.on('data', (c: Buffer) => (devOut += c.toString()));
      let devErr = '';
      dev.stderr.on('data', (c: Buffer) => (devErr += c.toString()));
      const devClosed = new Promise<number | null>((r) => dev.on('close', (c) => r(c)));
      t.after(() => killGroup(dev));
      try {
        await until('the stack to come back', () => (devOut.includes('Ctrl-C stops everything') ? true : undefined), 120_000);
        const settledNow = async (): Promise<Progress | undefined> => {
          const status = await spawnCli(['status', '--address', `127.0.0.1:${temporalPort}`, '--campaign-id', campaignId, '--json'], person).done;
          return status.code === 0 ? (JSON.parse(status.stdout) as Progress) : undefined;
        };
        const first = await until('the campaign status', settledNow);
        const settledOf = (p: Progress): number => Object.values(p.outcomes).reduce((a, b) => a + b, 0);
        await until(
          'the campaign to move on',
          async () => {
            const p = await settledNow();
            return p && (p.status === 'COMPLETED' || settledOf(p) > settledOf(first)) ? true : undefined;
          },
          // The restarted worker bundles its workflows before it takes the campaign back: minutes on a loaded machine.
          180_000,
        );
      } finally {
        process.kill(-(dev.pid ?? 0), 'SIGINT');
        // Every part of the stack has a bounded stop, so Ctrl-C ends dev within a minute or two; a dev that does not is killed and fails the test.
        const devCode = await Promise.race([devClosed, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 120_000))]);
        if (devCode === 'hung') process.kill(-(dev.pid ?? 0), 'SIGKILL');
        assert.equal(devCode, 0, `Ctrl-C is how dev is meant to end; its stderr:\n${devErr}`);
        // The SQS client's endpoint is the queue's: the SDK does not warn on every poll that they differ.
        assert.doesNotMatch(devErr, /differs from SQSClient/, 'dev stderr');
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** SIGKILL to a detached child's whole process group, unless it has ended. */
function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Gone between the check and the kill.
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveListening(true);
    });
    socket.once('error', () => resolveListening(false));
  });
}
