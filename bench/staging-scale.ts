// Staging a 1,000,000-entry dial list into each campaign store: time, entries/s and peak
// memory, and two pages read back. Each store runs in a process of its own (this script with
// --store pglite|postgres), so one's memory does not count against the other's. PGlite runs
// inside that process, so its RSS includes the database; PostgreSQL is a throwaway server
// (startPostgresServer), whose own processes are measured apart (the sum of their RSS).
//   npx tsx bench/staging-scale.ts [--contacts 1000000] [--store pglite|postgres|both]
// Prints figures; asserts nothing.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { stageDialList } from '../src/activities/staging';
import { startPostgresServer } from '../test/support/postgres-server';
import { openConfiguredStore } from '../src/storage/open-store';
import { mib, processRss, runBench } from './bench-stack';
import { benchPhoneNumber } from './phone-numbers';

const { values } = parseArgs({ options: { contacts: { type: 'string', default: '1000000' }, store: { type: 'string', default: 'both' } } });
const contacts = Number(values.contacts);
const store = values.store ?? 'both';
if (!['pglite', 'postgres', 'both'].includes(store)) throw new Error(`--store must be pglite, postgres or both, not ${store}`);

/** Sum of the RSS of the PostgreSQL server in `dataDir` (its postmaster.pid) and its backends. */
async function postgresRss(dataDir: string): Promise<number> {
  const postmaster = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!postmaster) return 0;
  let children: number[] = [];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number)
      .filter(Boolean);
  } catch {
    // no children
  }
  const sizes = await Promise.all([postmaster, ...children].map(processRss));
  return sizes.reduce((x, y) => x + y, 0);
}

async function stageInto(kind: 'pglite' | 'postgres'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'connect-dialer-stage-'));
  const postgres = kind === 'postgres' ? await startPostgresServer() : undefined;
  try {
    const path = join(dir, 'list.csv');
    const out = createWriteStream(path);
    out.write('RequestIdentifier,PhoneNumber,Tier\n');
    for (let i = 0; i < contacts; i++) {
      const bad = i % 100 === 99;
      const line = `r${i},${bad ? 'n/a' : benchPhoneNumber(i)},gold\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    let peak = 0;
    let serverPeak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
      if (postgres) void postgresRss(postgres.dataDir).then((rss) => (serverPeak = Math.max(serverPeak, rss)));
    }, 250);
    const t0 = Date.now();
    const { store: campaignStore, database } = await openConfiguredStore({ DATABASE_URL: postgres?.url, CONNECT_DIALER_DATA_DIR: dir });
    const summary = await stageDialList({
      source: { kind: 'file', path, columns: { requestIdentifier: 'RequestIdentifier', phoneNumber: 'PhoneNumber', queueId: 'QueueId' } },
      defaults: { QueueId: 'q' },
      store: campaignStore,
      campaignKey: 'bench',
    });
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const t1 = Date.now();
    const first = await campaignStore.stagedPage('bench', 0, 400);
    const page = await campaignStore.stagedPage('bench', first.nextIndex, 400);
    const pageMs = Date.now() - t1;
    await database.close();
    console.log(`store:            ${kind === 'pglite' ? 'PGlite (embedded, in this process)' : `PostgreSQL ${postgres?.version} (throwaway server)`}`);
    console.log(`entries staged:   ${summary.total} (${summary.valid} valid, ${summary.rejected} rejected)`);
    console.log(`staging time:     ${seconds.toFixed(1)} s (${Math.round(summary.total / seconds)} entries/s, store opened and migrated included)`);
    console.log(`peak RSS:         ${mib(peak)} (this process${kind === 'pglite' ? ', database included' : `; PostgreSQL server processes: ${mib(serverPeak)}`})`);
    console.log(`two pages of ${page.indices.length} indices: ${pageMs} ms`);
  } finally {
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (store !== 'both') return stageInto(store as 'pglite' | 'postgres');
  for (const kind of ['pglite', 'postgres']) {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--contacts', String(contacts), '--store', kind], { stdio: 'inherit' });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`staging into ${kind} exited with ${code}`);
    console.log('');
  }
}

runBench(main);
