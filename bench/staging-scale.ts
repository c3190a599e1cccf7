// Staging a 1,000,000-entry dial list: time and peak memory, and pages read by byte offset.
//   npx tsx bench/staging-scale.ts [--contacts 1000000]
// Prints figures; asserts nothing.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { stageDialList } from '../src/activities/staging';
import { openConfiguredStore } from '../src/storage/open-store';
import { benchPhoneNumber } from './phone-numbers';

const { values } = parseArgs({ options: { contacts: { type: 'string', default: '1000000' } } });
const contacts = Number(values.contacts);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'connect-dialer-stage-'));
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
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const t0 = Date.now();
    const { store, database } = await openConfiguredStore({ DATABASE_URL: process.env.DATABASE_URL, CONNECT_DIALER_DATA_DIR: dir });
    const summary = await stageDialList({
      source: { kind: 'file', path, columns: { requestIdentifier: 'RequestIdentifier', phoneNumber: 'PhoneNumber', queueId: 'QueueId' } },
      defaults: { QueueId: 'q' },
      store,
      campaignKey: 'bench',
    });
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const t1 = Date.now();
    const first = await store.stagedPage('bench', 0, 400);
    const page = await store.stagedPage('bench', first.nextIndex, 400);
    await database.close();
    console.log(`entries staged:   ${summary.total} (${summary.valid} valid, ${summary.rejected} rejected)`);
    console.log(`staging time:     ${seconds.toFixed(1)} s (${Math.round(summary.total / seconds)} entries/s)`);
    console.log(`peak RSS:         ${(peak / 2 ** 20).toFixed(0)} MiB`);
    console.log(`two pages of ${page.indices.length} indices: ${Date.now() - t1} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
