import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialListSourceSchema, type DialListSource } from '../src/domain/campaign';
import type { ContactDefaults, StagedEntry } from '../src/domain/contact-entry';
import { emptyOutcomeCounts, type OutcomeRecord } from '../src/domain/outcome';
import { DialListError } from '../src/dial-list/dial-list-reader';
import { stageDialList } from '../src/activities/staging';
import type { CampaignStore } from '../src/storage/campaign-store';
import { openTestStore, type StoreKind, type TestStore } from './support/database';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'staging-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const defaults: ContactDefaults = { QueueId: 'queue-default' };
const csvDefaults = { requestIdentifier: 'RequestIdentifier', phoneNumber: 'PhoneNumber', queueId: 'QueueId' };
const phone = (n: number): string => `+1415555${String(n % 10000).padStart(4, '0')}`;

let campaigns = 0;
/** A campaign of its own per staging: the stores are shared by the tests of a describe. */
const fresh = (): string => `campaign-${++campaigns}`;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Every staged entry of the campaign, in index order, read through the store's pages. */
async function stagedList(store: CampaignStore, campaignKey: string, pageSize = 1_000): Promise<StagedEntry[]> {
  const entries: StagedEntry[] = [];
  for (let from = 0; ;) {
    const page = await store.stagedPage(campaignKey, from, pageSize);
    entries.push(...(await store.stagedEntries(campaignKey, page.indices)));
    from = page.nextIndex;
    if (page.done) return entries;
  }
}

/** What staging leaves in the store for a campaign: its summary, staged entries and outcomes. */
async function contents(store: CampaignStore, campaignKey: string) {
  return {
    summary: await store.stagingSummary(campaignKey),
    staged: await stagedList(store, campaignKey),
    outcomes: await collect(store.outcomes(campaignKey)),
  };
}

/** The store, with every write counted by its method name. */
function countingWrites(store: CampaignStore): { store: CampaignStore; writes: string[] } {
  const writes: string[] = [];
  return {
    writes,
    store: {
      ...store,
      stageEntries: (key, entries) => (writes.push('stageEntries'), store.stageEntries(key, entries)),
      recordOutcomes: (key, records) => (writes.push('recordOutcomes'), store.recordOutcomes(key, records)),
      saveStagingSummary: (key, summary) => (writes.push('saveStagingSummary'), store.saveStagingSummary(key, summary)),
    },
  };
}

/** The store of a worker that dies at its `n`th write of rows: the writes before it are kept. */
function dyingAtWrite(store: CampaignStore, n: number): CampaignStore {
  let writes = 0;
  const die = (): Promise<never> => Promise.reject(new Error(`the worker died at write ${n}`));
  return {
    ...store,
    stageEntries: (key, entries) => (++writes >= n ? die() : store.stageEntries(key, entries)),
    recordOutcomes: (key, records) => (++writes >= n ? die() : store.recordOutcomes(key, records)),
  };
}

void describe('stageDialList', () => {
  let t: TestStore;
  let store: CampaignStore;
  before(async () => {
    t = await openTestStore('pglite');
    store = t.store;
  });
  after(async () => {
    await t.close();
  });

  void test('stages valid entries and REJECTS bad ones with their field and reason', async () => {
    const campaignKey = fresh();
    const entries: unknown[] = [
      /* 0 */ { RequestIdentifier: 'ok-1', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+1 415 555 0100' } },
      /* 1 */ { RequestIdentifier: 'bad-number', CustomerEndpoint: { Address: '555-0100' } },
      /* 2 */ { RequestIdentifier: 'no-number' },
      /* 3 */ { RequestIdentifier: 'bad-attr', CustomerEndpoint: { Address: '+14155550102' }, Attributes: { 'first name': 'x' } },
      /* 4 */ { RequestIdentifier: 'x'.repeat(81), CustomerEndpoint: { Address: '+14155550103' } },
      /* 5 */ { RequestIdentifier: 'ok-1', CustomerEndpoint: { Address: '+14155550104' } },
      /* 6 */ { CustomerEndpoint: { Address: '+14155550105' } },
      /* 7 */ { RequestIdentifier: 'row-7', CustomerEndpoint: { Address: '+14155550106' } },
      /* 8 */ 'not an entry',
      /* 9 */ { RequestIdentifier: 'bad-number', CustomerEndpoint: { Address: '+14155550107' } },
    ];
    const progress: number[] = [];
    const summary = await stageDialList({ source: { kind: 'inline', entries }, defaults, store, campaignKey, onProgress: (n) => progress.push(n) });
    assert.deepEqual(summary, {
      total: 10,
      valid: 3,
      rejected: 7,
      // Two duplicates outnumber every other reason; the first one's reason stands for them.
      commonRejection: {
        code: 'DUPLICATE_REQUEST_IDENTIFIER',
        field: 'RequestIdentifier',
        reason: '"ok-1" is already the RequestIdentifier of row 1; the first entry with an id is kept',
        firstIndex: 5,
        count: 2,
      },
    });
    assert.equal(progress.at(-1), 10);
    assert.deepEqual(await store.stagingSummary(campaignKey), summary, 'the summary is saved with the entries');

    assert.deepEqual(
      (await stagedList(store, campaignKey)).map((s) => [s.index, s.entry.RequestIdentifier, s.entry.CustomerEndpoint?.Address]),
      [
        [0, 'ok-1', '+14155550100'], // normalised to E.164
        [6, 'row-7', '+14155550105'], // generated id
        [9, 'bad-number', '+14155550107'], // a rejected entry does not claim its id
      ],
    );

    const rejected = await collect(store.outcomes(campaignKey));
    const byIndex = new Map(rejected.map((r) => [r.index, r]));
    assert.equal(rejected.length, 7);
    assert.ok(
      rejected.every((r) => r.outcome === 'REJECTED'),
      JSON.stringify(rejected),
    );
    const expect = (index: number, requestIdentifier: string, field: string, message: RegExp): void => {
      const r = byIndex.get(index);
      assert.ok(r, `entry ${index} should be rejected`);
      assert.equal(r.requestIdentifier, requestIdentifier);
      assert.equal(r.field, field);
      assert.match(r.message ?? '', message);
    };
    expect(1, 'bad-number', 'CustomerEndpoint.Address', /not a valid E\.164/);
    expect(2, 'no-number', 'CustomerEndpoint.Address', /missing/);
    expect(3, 'bad-attr', 'Attributes.first name', /attribute keys/);
    expect(4, 'x'.repeat(81), 'RequestIdentifier', /81 characters/);
    expect(5, 'ok-1', 'RequestIdentifier', /already the RequestIdentifier of row 1/);
    expect(7, 'row-7', 'RequestIdentifier', /already the RequestIdentifier of row 7/);
    expect(8, 'row-9', '(entry)', /.+/);

    // Where each id stands now: the staged "bad-number" wins over its REJECTED namesake.
    assert.deepEqual(await store.lookup(campaignKey, ['bad-number', 'no-number']), [
      { requestIdentifier: 'bad-number', index: 9, staged: true, outcome: undefined },
      { requestIdentifier: 'no-number', index: 2, staged: false, outcome: 'REJECTED' },
    ]);
  });

  void test('a JSONL line that is not JSON is REJECTED with its line; the lines around it are staged', async () => {
    const campaignKey = fresh();
    const path = join(root, 'mixed.jsonl');
    await writeFile(path, '{"CustomerEndpoint":{"Address":"+14155550100"}}\n{oops\n{"CustomerEndpoint":{"Address":"+14155550101"}}\n');
    const summary = await stageDialList({ source: { kind: 'file', path, columns: csvDefaults }, defaults, store, campaignKey });
    assert.deepEqual([summary.total, summary.valid, summary.rejected], [3, 2, 1]);
    const [bad, ...others] = await collect(store.outcomes(campaignKey));
    assert.deepEqual(others, []);
    assert.equal(bad?.requestIdentifier, 'row-2');
    assert.equal(bad?.index, 1);
    assert.match(bad?.message ?? '', /^line 2: is not JSON/);
    assert.deepEqual(
      (await stagedList(store, campaignKey)).map((s) => [s.index, s.entry.RequestIdentifier]),
      [
        [0, 'row-1'],
        [2, 'row-3'],
      ],
    );
  });

  void test('a list every entry of which is rejected for one reason names it, with the count, for the campaign to fail with', async () => {
    const entries = Array.from({ length: 40 }, (_, i) => ({ RequestIdentifier: `n-${i}`, CustomerEndpoint: { Address: phone(i) } }));
    const allRejected = fresh();
    const summary = await stageDialList({ source: { kind: 'inline', entries }, defaults: {}, store, campaignKey: allRejected });
    assert.deepEqual(summary.commonRejection, {
      code: 'MISSING_QUEUE_ID_AND_SYSTEM_ENDPOINT',
      field: 'QueueId',
      reason: 'neither QueueId nor SystemEndpoint is set, for the entry or as a campaign default',
      firstIndex: 0,
      count: 40,
    });
    assert.equal(summary.commonRejection.count, summary.total);
    assert.deepEqual(await store.outcomeCounts(allRejected), { ...emptyOutcomeCounts(), REJECTED: 40 });
    assert.deepEqual(await store.stagedPage(allRejected, 0, 10), { indices: [], nextIndex: 0, done: true });

    // Numbers that differ per entry still count as one reason: the rule, not the message, groups them.
    const local = Array.from({ length: 5 }, (_, i) => ({ CustomerEndpoint: { Address: `555-01${i}0` } }));
    const mixed = [...local, { CustomerEndpoint: { Address: '+14155550100' }, Attributes: { 'bad key': 'x' } }];
    const second = await stageDialList({ source: { kind: 'inline', entries: mixed }, defaults, store, campaignKey: fresh() });
    assert.equal(second.commonRejection?.code, 'INVALID_CUSTOMER_ENDPOINT');
    assert.equal(second.commonRejection?.count, 5);
    assert.match(second.commonRejection?.reason ?? '', /^"555-0100" is not a valid E\.164 phone number/);

    const clean = await stageDialList({ source: { kind: 'inline', entries: [entries[0]] }, defaults, store, campaignKey: fresh() });
    assert.equal(clean.commonRejection, undefined);
  });

  void test('numbers are held to what Connect accepts by default; validation.phone "valid" adds the numbering plan and says so', async () => {
    const entries = [
      { RequestIdentifier: 'new-area-code', CustomerEndpoint: { Address: '+1 (999) 555-0100' } }, // E.164, possible, in no known US area code
      { RequestIdentifier: 'too-short', CustomerEndpoint: { Address: '+1 415 555 010' } },
      { RequestIdentifier: 'no-country', CustomerEndpoint: { Address: '+999 555 0100' } },
      { RequestIdentifier: 'known', CustomerEndpoint: { Address: '+44 20 7183 8750' } },
    ];
    const stage = async (validation?: { phone: 'possible' | 'valid' }) => {
      const campaignKey = fresh();
      await stageDialList({ source: { kind: 'inline', entries }, defaults, store, campaignKey, validation });
      const staged = await stagedList(store, campaignKey);
      const rejected = new Map((await collect(store.outcomes(campaignKey))).map((r) => [r.requestIdentifier, r.message ?? '']));
      return { staged: staged.map((e) => [e.entry.RequestIdentifier, e.entry.CustomerEndpoint?.Address]), rejected };
    };

    for (const possible of [await stage(), await stage({ phone: 'possible' })]) {
      assert.deepEqual(possible.staged, [
        ['new-area-code', '+19995550100'],
        ['known', '+442071838750'],
      ]);
      assert.match(possible.rejected.get('too-short') ?? '', /"\+1 415 555 010" is too short for a number with country calling code \+1$/);
      assert.match(possible.rejected.get('no-country') ?? '', /"\+999 555 0100" does not start with a country calling code/);
    }

    const valid = await stage({ phone: 'valid' });
    assert.deepEqual(valid.staged, [['known', '+442071838750']]);
    assert.match(
      valid.rejected.get('new-area-code') ?? '',
      /"\+1 \(999\) 555-0100" has a possible length for country calling code \+1 but is not in its numbering plan as libphonenumber knows it \(phone check "valid"/,
    );
    assert.match(valid.rejected.get('too-short') ?? '', /too short/, 'the length rule is still the one named when it fails');
  });

  void test('a CSV with an unterminated quote in row 51 of 100 stages the other 99 and REJECTS that row with its line', async () => {
    const rows = ['RequestIdentifier,PhoneNumber,Name'];
    for (let i = 1; i <= 100; i++) rows.push(`r-${i},${phone(i)},${i === 51 ? '"Smith, Jane' : `Name ${i}`}`);
    const path = join(root, 'unterminated.csv');
    await writeFile(path, rows.join('\n') + '\n');
    const campaignKey = fresh();
    const summary = await stageDialList({ source: dialListSourceSchema.parse({ kind: 'file', path }), defaults, store, campaignKey });
    assert.deepEqual([summary.total, summary.valid, summary.rejected], [100, 99, 1]);
    const [bad, ...others] = await collect(store.outcomes(campaignKey));
    assert.deepEqual(others, []);
    assert.deepEqual([bad?.requestIdentifier, bad?.index, bad?.field], ['row-51', 50, '(entry)']);
    assert.match(bad?.message ?? '', /^line 52: a quoted field opens on this line and is never closed/);
    assert.equal(summary.commonRejection?.code, 'MALFORMED_LINE');
    const staged = await stagedList(store, campaignKey);
    assert.equal(staged.length, 99);
    assert.ok(!staged.some((s) => s.index === 50));
  });

  void test('a list that cannot be read fails staging with DialListError on path and leaves nothing in the store', async () => {
    const campaignKey = fresh();
    const source = dialListSourceSchema.parse({ kind: 'file', path: join(root, 'absent.csv') });
    await assert.rejects(stageDialList({ source, defaults, store, campaignKey }), (err) => err instanceof DialListError && err.field === 'path');
    assert.deepEqual(await contents(store, campaignKey), { summary: undefined, staged: [], outcomes: [] });
  });
});

for (const kind of ['pglite', 'postgres'] satisfies StoreKind[]) {
  void describe(`staging into ${kind}`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(kind);
    });
    after(async () => {
      await t.close();
    });

    void test('staging again returns the first summary and changes nothing', async () => {
      const campaignKey = fresh();
      const { store, writes } = countingWrites(t.store);
      const source: DialListSource = {
        kind: 'inline',
        entries: [{ CustomerEndpoint: { Address: '+14155550100' } }, { CustomerEndpoint: { Address: 'nope' } }],
      };
      const first = await stageDialList({ source, defaults, store, campaignKey });
      assert.deepEqual([first.total, first.valid, first.rejected], [2, 1, 1]);
      const stored = await contents(t.store, campaignKey);
      assert.deepEqual(writes, ['stageEntries', 'recordOutcomes', 'saveStagingSummary']);

      // Even a different list: a retried activity must not redo or change anything.
      writes.length = 0;
      const other: DialListSource = { kind: 'inline', entries: [{ CustomerEndpoint: { Address: '+14155550199' } }] };
      const second = await stageDialList({ source: other, defaults, store, campaignKey });
      assert.deepEqual(second, first);
      assert.deepEqual(writes, [], 'nothing is written the second time');
      assert.deepEqual(await contents(t.store, campaignKey), stored);
    });

    void test('staging that died half-way and is retried ends with the same rows and counts as staging once', async () => {
      // 6,000 entries, every other one REJECTED: rows are written in chunks of 2,000, so the
      // writes are staged 0..3998, REJECTED 1..3999, then the last 1,000 of each.
      const entries = Array.from({ length: 6_000 }, (_, i) => ({ RequestIdentifier: `e-${i}`, CustomerEndpoint: { Address: i % 2 ? 'nope' : phone(i) } }));
      const source: DialListSource = { kind: 'inline', entries };
      const whole = fresh();
      const expected = await stageDialList({ source, defaults, store: t.store, campaignKey: whole });
      assert.deepEqual([expected.total, expected.valid, expected.rejected], [6_000, 3_000, 3_000]);
      const reference = await contents(t.store, whole);
      const writtenBefore = [0, 2_000, 4_000, 5_000];

      for (const dieAt of [1, 2, 3, 4]) {
        const campaignKey = fresh();
        await assert.rejects(stageDialList({ source, defaults, store: dyingAtWrite(t.store, dieAt), campaignKey }), new RegExp(`died at write ${dieAt}`));
        assert.equal(await t.store.stagingSummary(campaignKey), undefined, 'no summary until the whole list is staged');
        const written = (await stagedList(t.store, campaignKey)).length + (await collect(t.store.outcomes(campaignKey))).length;
        assert.equal(written, writtenBefore[dieAt - 1], `a worker dying at write ${dieAt} leaves the writes before it`);

        const retried = await stageDialList({ source, defaults, store: t.store, campaignKey });
        assert.deepEqual(retried, expected, `died at write ${dieAt}`);
        assert.deepEqual(await contents(t.store, campaignKey), reference, `died at write ${dieAt}`);
      }
    });

    void test('a RequestIdentifier repeated chunks apart is REJECTED naming its first row, also when staging is retried', async () => {
      // Staging checks ids a chunk of 2,000 at a time against the store: these repeats are chunks apart.
      const entries: unknown[] = Array.from({ length: 5_000 }, (_, i) => ({ RequestIdentifier: `d-${i}`, CustomerEndpoint: { Address: phone(i) } }));
      entries[3] = { RequestIdentifier: 'row-5000', CustomerEndpoint: { Address: phone(3) } };
      entries[4_500] = { RequestIdentifier: 'd-10', CustomerEndpoint: { Address: phone(4_500) } };
      entries[4_999] = { CustomerEndpoint: { Address: phone(4_999) } }; // generated id row-5000: row 4's
      const source: DialListSource = { kind: 'inline', entries };
      const campaignKey = fresh();
      const summary = await stageDialList({ source, defaults, store: t.store, campaignKey });
      assert.deepEqual([summary.total, summary.valid, summary.rejected, summary.commonRejection?.firstIndex, summary.commonRejection?.count], [5_000, 4_998, 2, 4_500, 2]);
      const rejected = await collect(t.store.outcomes(campaignKey));
      assert.deepEqual(
        rejected.map((r) => [r.index, r.requestIdentifier, r.message]),
        [
          [4_500, 'd-10', '"d-10" is already the RequestIdentifier of row 11; the first entry with an id is kept'],
          [4_999, 'row-5000', '"row-5000" (generated because the entry has none) is already the RequestIdentifier of row 4; the first entry with an id is kept'],
        ],
      );

      const retried = fresh();
      await assert.rejects(stageDialList({ source, defaults, store: dyingAtWrite(t.store, 3), campaignKey: retried }), /died at write 3/);
      assert.deepEqual(await stageDialList({ source, defaults, store: t.store, campaignKey: retried }), summary);
      assert.deepEqual(await contents(t.store, retried), await contents(t.store, campaignKey), 'a retried staging ends with the same rows');
    });

    void test('entries staged before a retry are kept as first written, and the rest are added', async () => {
      const entries = Array.from({ length: 50 }, (_, i) => ({ RequestIdentifier: `p-${i}`, CustomerEndpoint: { Address: phone(i) } }));
      const campaignKey = fresh();
      // The first attempt's rows are told apart by an attribute the list does not have.
      const early: StagedEntry[] = entries.slice(0, 20).map((entry, index) => ({
        index,
        entry: { ...entry, CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: phone(index) }, Attributes: { attempt: 'first' } },
      }));
      await t.store.stageEntries(campaignKey, early);
      const summary = await stageDialList({ source: { kind: 'inline', entries }, defaults, store: t.store, campaignKey });
      assert.deepEqual([summary.total, summary.valid, summary.rejected, summary.commonRejection], [50, 50, 0, undefined]);
      const staged = await stagedList(t.store, campaignKey, 7);
      assert.deepEqual(
        staged.map((s) => s.index),
        Array.from({ length: 50 }, (_, i) => i),
      );
      assert.deepEqual(staged.slice(0, 20), early, 'the rows of the first attempt stay as they were');
      assert.ok(
        staged.slice(20).every((s) => s.entry.Attributes?.attempt === undefined),
        'the rest are staged from the list',
      );
    });

    void test('stages 100,000 CSV rows with bounded work and exact counts', async () => {
      const rows = 100_000;
      const path = join(root, `big-${kind}.csv`);
      const out = createWriteStream(path);
      out.write('RequestIdentifier,PhoneNumber,FirstName,Segment\n');
      let expectedRejected = 0;
      const badNumber = (i: number): boolean => i % 1000 === 0;
      for (let i = 1; i <= rows; i++) {
        let id = `c-${i}`;
        let number = phone(i);
        if (badNumber(i)) {
          number = '12345'; // not E.164
          expectedRejected++;
        } else if (i % 2500 === 1 && i > 1) {
          id = `c-${i - 1}`; // repeats the previous row's id: a duplicate only if that row was staged
          if (!badNumber(i - 1)) expectedRejected++;
        }
        if (!out.write(`${id},${number},"Name ${i}, Jr.",seg-${i % 7}\n`)) await once(out, 'drain');
      }
      await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
      assert.equal(expectedRejected, 120, 'the generator above makes 100 bad numbers and 20 duplicates');

      const campaignKey = fresh();
      let progressCalls = 0;
      const started = performance.now();
      const summary = await stageDialList({
        source: dialListSourceSchema.parse({ kind: 'file', path }),
        defaults,
        store: t.store,
        campaignKey,
        onProgress: () => progressCalls++,
      });
      console.log(`staged ${rows} CSV rows into ${kind} in ${Math.round(performance.now() - started)} ms`);

      assert.deepEqual([summary.total, summary.valid, summary.rejected], [rows, rows - expectedRejected, expectedRejected]);
      assert.ok(progressCalls >= rows / 1000, `progress is reported as the list is read (${progressCalls} calls)`);
      assert.ok(progressCalls <= rows / 1000 + 1, `progress is not reported per entry (${progressCalls} calls)`);

      let count = 0;
      let lastIndex = -1;
      for (let from = 0; ;) {
        const page = await t.store.stagedPage(campaignKey, from, 10_000);
        for (const i of page.indices) {
          assert.ok(i > lastIndex, `index ${i} after ${lastIndex}`);
          lastIndex = i;
        }
        count += page.indices.length;
        from = page.nextIndex;
        if (page.done) break;
      }
      assert.equal(count, summary.valid);

      assert.deepEqual(await t.store.outcomeCounts(campaignKey), { ...emptyOutcomeCounts(), REJECTED: expectedRejected });
      const duplicate: OutcomeRecord | undefined = await t.store.outcomeOf(campaignKey, 2500);
      assert.equal(duplicate?.requestIdentifier, 'c-2500');
      assert.equal(duplicate?.field, 'RequestIdentifier');
      assert.match(duplicate?.message ?? '', /row 2500/);
      assert.deepEqual(await t.store.lookup(campaignKey, ['c-2500']), [{ requestIdentifier: 'c-2500', index: 2499, staged: true, outcome: undefined }]);
      // Row 100,000 has a bad number: the last staged entry is row 99,999, at index 99,998.
      const [last] = await t.store.stagedEntries(campaignKey, [rows - 2]);
      assert.deepEqual(last?.entry.Attributes, { FirstName: `Name ${rows - 1}, Jr.`, Segment: `seg-${(rows - 1) % 7}` });
      assert.equal((await t.store.outcomeOf(campaignKey, rows - 1))?.field, 'CustomerEndpoint.Address');
    });
  });
}
