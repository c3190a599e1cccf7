// Call outcomes at an operator's scale through Outbound Campaigns v2, every part its own process:
// PostgreSQL, the Temporal dev server, the emulator (`connect-dialer emulator`: it rings each dial
// request's call and publishes its contact events to its SQS queue, --duplicate-rate of them twice,
// --drop-rate lost, all reordered), --workers worker processes (`connect-dialer worker`, which
// consume the events), the campaign started by `connect-dialer start --config … --wait`, one worker
// SIGKILLed every --kill-every seconds while they consume and replaced at once. The campaign redials
// NO_ANSWER and BUSY (--redial-after s, 3 attempts at most) and texts voicemails.
// Then it checks each entry against the emulator's own record of its calls and texts, through
// `connect-dialer report --format jsonl`: its disposition is its last call's, it was redialled only
// after NO_ANSWER or BUSY and never beyond 3 calls, a voicemail got exactly one SMS and nothing
// else got one; and it counts GetContactAttributes calls against dial requests.
//   npx tsx bench/call-outcomes-scale.ts [--contacts 20000] [--workers 2] [--kill-every 20] [--ring-seconds 2]
//     [--redial-after 20] [--rate 20] [--duplicate-rate 0.2] [--drop-rate 0.02] [--seed 7] [--reconcile-after 30] [--settle 120]
// A dial request whose call's every event was dropped cannot be found (v2 names no contact for a request): it ends UNKNOWN after --settle s.
// Prints figures and every broken rule; exits 1 when one is broken.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { CreatedContact, EmulatorStats } from '../src/emulator/types';
import { startDevServer } from '../src/dev/temporal-server';
import { startPostgresServer } from '../test/support/postgres-server';
import { openConfiguredStore } from '../src/storage/open-store';
import { runBench, writeDialList } from './bench-stack';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    workers: { type: 'string', default: '2' },
    'kill-every': { type: 'string', default: '20' },
    'ring-seconds': { type: 'string', default: '2' },
    'redial-after': { type: 'string', default: '20' },
    rate: { type: 'string', default: '20' },
    'duplicate-rate': { type: 'string', default: '0.2' },
    'drop-rate': { type: 'string', default: '0.02' },
    seed: { type: 'string', default: '7' },
    'reconcile-after': { type: 'string', default: '30' },
    settle: { type: 'string', default: '120' },
  },
});
const contacts = Number(values.contacts);
const workerCount = Number(values.workers);
const killEveryMs = Number(values['kill-every']) * 1000;
const MAX_ATTEMPTS = 3;
const REDIALLED = new Set(['NO_ANSWER', 'BUSY']);
/** The emulator's call outcome as the disposition the campaign should record. */
const DISPOSITION: Record<string, string> = { HUMAN_ANSWERED: 'REACHED', VOICEMAIL: 'VOICEMAIL', NO_ANSWER: 'NO_ANSWER', BUSY: 'BUSY' };
const CLI = join(__dirname, '..', 'bin', 'connect-dialer.cjs');

interface ReportRow {
  requestIdentifier: string;
  outcome: string;
  disposition?: string;
  attempts?: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  const postgres = await startPostgresServer();
  const server = await startDevServer({ headless: true });
  const dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-outcomes-'));
  const children: ChildProcess[] = [];
  const cli = (args: string[], env: Record<string, string> = {}): ChildProcess => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: server.address, DATABASE_URL: postgres.url, CONNECT_DIALER_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return child;
  };
  // Stopped with Ctrl-C or a timeout's SIGTERM: its servers and processes go too.
  const interrupted = new Promise<never>((_, reject) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => reject(new Error(`stopped by ${sig}`)));
  });
  interrupted.catch(() => undefined);
  try {
    const emulatorProcess = cli(['emulator', '--port', '0', '--quiet']);
    const emulatorUrl = await firstUrl(emulatorProcess);
    const admin = async <T>(path: string, body?: unknown): Promise<T> => {
      const answer = await fetch(
        `${emulatorUrl}${path}`,
        body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
      );
      return (await answer.json()) as T;
    };
    await admin('/_emulator/config', {
      calls: {
        ringMs: Number(values['ring-seconds']) * 1000,
        outcomes: { HUMAN_ANSWERED: 0.4, VOICEMAIL: 0.15, NO_ANSWER: 0.3, BUSY: 0.15 },
        duplicateRate: Number(values['duplicate-rate']),
        dropRate: Number(values['drop-rate']),
        reorder: true,
        seed: Number(values.seed),
      },
    });
    const queueUrl = (await admin<EmulatorStats>('/_emulator/stats')).contactEventsQueueUrl ?? '';
    const sqs = new SQSClient({ endpoint: new URL(queueUrl).origin, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const depth = async (): Promise<number> => {
      const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return Number(a.Attributes?.ApproximateNumberOfMessages) + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible);
    };
    // Migrate once, so the workers do not race to create the schema.
    const migrated = await openConfiguredStore({ DATABASE_URL: postgres.url, CONNECT_DIALER_DATA_DIR: dataDir });
    await migrated.database.close();

    const taskQueue = 'call-outcomes-scale';
    const workerEnv = {
      TEMPORAL_TASK_QUEUE: taskQueue,
      CONNECT_ENDPOINT: emulatorUrl,
      CONNECT_DIALER_CONTACT_EVENTS_QUEUE_URL: queueUrl,
      CONNECT_OUTBOUND_REQUEST_BATCH_RATE: values.rate,
      CONNECT_CHAT_RATE: '50',
      // A call whose final event was dropped is described this long after it was placed (300 s by default).
      CONNECT_DIALER_RECONCILE_AFTER_SECONDS: values['reconcile-after'],
    };
    const workerLog: string[] = [];
    const startWorker = (): ChildProcess => {
      const w = cli(['worker'], workerEnv);
      w.stderr?.on('data', (d: Buffer) =>
        workerLog.push(
          ...d
            .toString()
            .split('\n')
            .filter((l) => /contact events:|giving up/.test(l)),
        ),
      );
      w.stdout?.resume();
      return w;
    };
    const workers = Array.from({ length: workerCount }, startWorker);

    const listPath = join(dataDir, 'list.csv');
    await writeDialList(listPath, contacts);
    const campaignId = `outcomes-${Date.now()}`;
    const configPath = join(dataDir, 'campaign.json');
    await writeFile(
      configPath,
      JSON.stringify({
        campaignId,
        instanceId: 'instance-1',
        submission: { api: 'outbound-campaigns-v2', campaignId: 'v2-scale' },
        chat: {
          sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1',
          contactFlowId: 'flow-sms',
          initialMessage: 'We missed you',
          chatsPerSecond: 50,
          chatsInFlight: 20,
        },
        callOutcomes: {
          redial: [{ dispositions: ['NO_ANSWER', 'BUSY'], afterSeconds: Number(values['redial-after']), maxAttempts: MAX_ATTEMPTS }],
          smsOn: ['VOICEMAIL'],
          settleWithinSeconds: Number(values.settle),
        },
        dialList: { kind: 'file', path: listPath },
      }),
    );
    const begun = Date.now();
    const start = cli(['start', '--config', configPath, '--task-queue', taskQueue, '--wait'], { TEMPORAL_TASK_QUEUE: taskQueue, CONNECT_ENDPOINT: emulatorUrl });
    let startOut = '';
    start.stdout?.on('data', (d: Buffer) => (startOut += d.toString()));
    start.stderr?.on('data', (d: Buffer) => (startOut += d.toString()));
    const exited = once(start, 'exit') as Promise<[number | null]>;
    let kills = 0;
    let maxDepth = 0;
    const killer = (async () => {
      let lastKill = Date.now();
      let ticks = 0;
      for (;;) {
        const done = await Promise.race([exited.then(() => true), sleep(1000).then(() => false)]);
        if (done) return;
        const queued = await depth().catch(() => 0);
        maxDepth = Math.max(maxDepth, queued);
        if (++ticks % 10 === 0) {
          const now = await admin<EmulatorStats>('/_emulator/stats');
          console.error(
            `${Math.round((Date.now() - begun) / 1000)} s: ${now.dialRequests} dial requests, ${now.calls.GetContactAttributes} looks, ${queued} events queued, ${kills} workers killed`,
          );
        }
        if (killEveryMs > 0 && Date.now() - lastKill >= killEveryMs) {
          workers.shift()?.kill('SIGKILL');
          kills++;
          workers.push(startWorker());
          lastKill = Date.now();
        }
      }
    })();
    const [code] = await Promise.race([exited, interrupted]);
    await killer;
    const wallS = (Date.now() - begun) / 1000;

    // The emulator's record: every dial request (by number: the bench's numbers are one per entry) and every SMS.
    const requests = await admin<CreatedContact[]>('/_emulator/contacts?channel=OUTBOUND_REQUEST');
    const texts = await admin<CreatedContact[]>('/_emulator/contacts?channel=CHAT');
    const stats = await admin<EmulatorStats>('/_emulator/stats');
    const report = cli(['report', '--campaign-id', campaignId, '--format', 'jsonl']);
    let reportText = '';
    report.stdout?.on('data', (d: Buffer) => (reportText += d.toString()));
    await once(report, 'exit');
    const rows = reportText
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ReportRow);

    // Dial requests name their entry in their client token (`….e<index>.s<send>.<hash>`), SMS in theirs (`…/chat/<RequestIdentifier>`).
    const callsOf = new Map<string, CreatedContact[]>();
    const sendOf = (c: CreatedContact): number => Number(/\.s(\d+)\./.exec(c.clientToken ?? '')?.[1] ?? 0);
    for (const r of [...requests].sort((a, b) => sendOf(a) - sendOf(b))) {
      const index = /\.e(\d+)\.s\d+\./.exec(r.clientToken ?? '')?.[1];
      if (index !== undefined) callsOf.set(`r${index}`, [...(callsOf.get(`r${index}`) ?? []), r]);
    }
    const textsOf = new Map<string, number>();
    for (const t of texts) {
      const id = /\/chat\/(.+)$/.exec(t.clientToken ?? '')?.[1];
      if (id !== undefined) textsOf.set(id, (textsOf.get(id) ?? 0) + 1);
    }
    const broken: string[] = [];
    const breach = (rule: string, id: string, detail: unknown): void => {
      if (broken.length < 20) broken.push(`${rule}: ${id} ${JSON.stringify(detail)}`);
      counts[rule] = (counts[rule] ?? 0) + 1;
    };
    const counts: Record<string, number> = {};
    const dispositions: Record<string, number> = {};
    let unknownAfterLostEvents = 0;
    for (const row of rows) {
      const calls = callsOf.get(row.requestIdentifier) ?? [];
      const outcomes = calls.map((c) => c.disposition ?? 'NONE');
      const last = outcomes.at(-1);
      dispositions[row.disposition ?? 'NONE'] = (dispositions[row.disposition ?? 'NONE'] ?? 0) + 1;
      if (calls.length === 0) breach('no call', row.requestIdentifier, row);
      if (calls.length > MAX_ATTEMPTS) breach('more calls than maxAttempts', row.requestIdentifier, outcomes);
      if (outcomes.slice(0, -1).some((o) => !REDIALLED.has(o))) breach('redialled after a disposition not redialled', row.requestIdentifier, outcomes);
      if (row.attempts !== calls.length) breach('Attempts differs from the calls placed', row.requestIdentifier, { attempts: row.attempts, calls: calls.length });
      if (row.disposition === 'UNKNOWN') unknownAfterLostEvents++;
      else if (row.disposition !== DISPOSITION[last ?? '']) breach("disposition differs from the last call's", row.requestIdentifier, { report: row.disposition, calls: outcomes });
      else if (REDIALLED.has(last ?? '') && calls.length < MAX_ATTEMPTS) breach('not redialled', row.requestIdentifier, outcomes);
      const sms = textsOf.get(row.requestIdentifier) ?? 0;
      if (sms !== (last === 'VOICEMAIL' && row.disposition === 'VOICEMAIL' ? 1 : 0)) breach('SMS count', row.requestIdentifier, { sms, calls: outcomes });
    }
    if (rows.length !== contacts) broken.push(`the report has ${rows.length} rows for ${contacts} entries`);
    console.log(
      JSON.stringify(
        {
          contacts,
          workers: workerCount,
          kills,
          startExit: code,
          wallSeconds: Math.round(wallS),
          dialRequests: requests.length,
          redials: requests.length - contacts,
          sms: texts.length,
          getContactAttributes: stats.calls.GetContactAttributes,
          describeContact: stats.calls.DescribeContact,
          lookupsPerDialRequest: Number((stats.calls.GetContactAttributes / requests.length).toFixed(3)),
          duplicates: stats.duplicates,
          sqs: stats.sqsCalls,
          maxQueueDepth: maxDepth,
          dispositions,
          unknownAfterLostEvents,
          broken: counts,
          totalSeconds: Math.round((Date.now() - started) / 1000),
        },
        null,
        1,
      ),
    );
    if (code !== 0) broken.push(`start --wait exited ${code}: ${startOut.slice(-2000)}`);
    for (const line of broken) console.log(`BROKEN ${line}`);
    for (const line of workerLog.slice(-10)) console.log(`worker: ${line}`);
    if (broken.length > 0) process.exitCode = 1;
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await server.stop();
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The first http:// URL a process prints (the emulator prints its own); its output keeps flowing (a closed pipe would end it). */
function firstUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const url = /http:\/\/[\d.]+:\d+/.exec(seen)?.[0];
      if (url) resolve(url);
    });
    child.stderr?.resume();
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before printing its URL: ${seen}`)));
  });
}

runBench(main);
