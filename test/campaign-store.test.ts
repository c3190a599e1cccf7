import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import type { StagedEntry } from '../src/domain/contact-entry';
import { emptyOutcomeCounts, type OutcomeRecord } from '../src/domain/outcome';
import type { StagingSummary } from '../src/domain/staging-summary';
import { createCampaignStore, type Attempt, type CampaignStore } from '../src/storage/campaign-store';
import { openCampaignDatabase } from '../src/storage/database';
import { migrateCampaignStore } from '../src/storage/migrate';
import { csvField, formatReport, writeReport } from '../src/storage/report';
import { openTestStore, type StoreKind, type TestStore } from './support/database';

const run = promisify(execFile);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const staged = (index: number, id = `c-${index}`): StagedEntry => ({
  index,
  entry: { RequestIdentifier: id, CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: `+1415555${String(index).padStart(4, '0')}` } },
});
const created = (index: number, contactId = `voice-${index}`, id = `c-${index}`): OutcomeRecord => ({ requestIdentifier: id, index, outcome: 'CREATED', contactId });
const deflected = (index: number, contactId = `chat-${index}`, id = `c-${index}`): OutcomeRecord => ({
  requestIdentifier: id,
  index,
  outcome: 'DEFLECTED',
  contactId,
  relatedContactId: `voice-${index}`,
});
const failed = (index: number, failureCode: string, id = `c-${index}`): OutcomeRecord => ({ requestIdentifier: id, index, outcome: 'FAILED', failureCode });
const rejected = (index: number, id: string, message = 'repeats an earlier id'): OutcomeRecord => ({
  requestIdentifier: id,
  index,
  outcome: 'REJECTED',
  field: 'RequestIdentifier',
  message,
});
const cancelled = (index: number, id = `c-${index}`): OutcomeRecord => ({ requestIdentifier: id, index, outcome: 'CANCELLED' });
/** The record without the members the store reads back as undefined (absent columns are NULL). */
const present = (r: OutcomeRecord | undefined): OutcomeRecord | undefined => r && (Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as OutcomeRecord);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Every staged index, read through pages of `max` from `fromIndex`; asserts what each page promises. */
async function allPages(store: CampaignStore, campaignKey: string, max: number, fromIndex = 0): Promise<{ indices: number[]; pages: number }> {
  const indices: number[] = [];
  let next = fromIndex;
  for (let pages = 1; ; pages++) {
    const page = await store.stagedPage(campaignKey, next, max);
    assert.ok(page.indices.length <= max, `page of ${page.indices.length} is larger than ${max}`);
    assert.ok(
      page.indices.every((i) => i >= next),
      `page from ${next} holds ${page.indices.join(',')}`,
    );
    indices.push(...page.indices);
    assert.equal(page.nextIndex, page.indices.length > 0 ? (page.indices.at(-1) ?? 0) + 1 : next, 'nextIndex is one past the last index read');
    next = page.nextIndex;
    if (page.done) return { indices, pages };
    assert.equal(page.indices.length, max, 'only the last page may be short');
  }
}

for (const kind of ['pglite', 'postgres'] satisfies StoreKind[]) {
  void describe(`campaign store on ${kind}`, () => {
    let t: TestStore;
    let store: CampaignStore;
    let campaigns = 0;
    /** A campaign of its own per test: the store is shared by the tests of this kind. */
    const fresh = (): string => `campaign-${++campaigns}`;

    before(async () => {
      t = await openTestStore(kind);
      store = t.store;
    });
    after(async () => {
      await t.close();
    });

    void test('a DEFLECTED after the call replaces CREATED, and a late CREATED does not replace DEFLECTED', async () => {
      const key = fresh();
      assert.deepEqual(await store.recordOutcomes(key, [created(0), created(1)]), [{ outcome: 'CREATED' }, { outcome: 'CREATED' }], 'two new outcomes');
      assert.deepEqual(await store.recordOutcomes(key, [created(0)]), [], 'a retried write changes nothing');
      assert.deepEqual(await store.recordOutcomes(key, [deflected(0)]), [{ outcome: 'DEFLECTED', previous: 'CREATED' }], 'the change names what it replaced');
      assert.deepEqual(present(await store.outcomeOf(key, 0)), deflected(0));

      await store.recordOutcomes(key, [deflected(1)]);
      assert.deepEqual(await store.recordOutcomes(key, [created(1, 'voice-retried')]), [], 'a lower outcome changes nothing');
      assert.deepEqual(present(await store.outcomeOf(key, 1)), deflected(1));
      assert.deepEqual(
        (await collect(store.outcomes(key))).map((r) => [r.index, r.outcome]),
        [
          [0, 'DEFLECTED'],
          [1, 'DEFLECTED'],
        ],
        'exactly one outcome per index, however many were written',
      );
    });

    void test('CANCELLED never replaces an outcome, and of two of equal rank the first stays', async () => {
      const key = fresh();
      await store.recordOutcomes(key, [rejected(0, 'c-0'), failed(1, 'INVALID_QUEUE'), created(2), deflected(3)]);
      await store.recordOutcomes(key, [cancelled(0), cancelled(1), cancelled(2), cancelled(3), cancelled(4)]);
      assert.deepEqual(
        (await collect(store.outcomes(key))).map((r) => r.outcome),
        ['REJECTED', 'FAILED', 'CREATED', 'DEFLECTED', 'CANCELLED'],
      );

      await store.recordOutcomes(key, [failed(1, 'THROTTLED'), created(2, 'voice-second'), cancelled(4, 'renamed')]);
      assert.equal((await store.outcomeOf(key, 1))?.failureCode, 'INVALID_QUEUE');
      assert.equal((await store.outcomeOf(key, 2))?.contactId, 'voice-2');
      assert.equal((await store.outcomeOf(key, 4))?.requestIdentifier, 'c-4');
    });

    void test('one call with several records for one index keeps the highest, and the first of equals', async () => {
      const key = fresh();
      await store.recordOutcomes(key, [created(0), deflected(0, 'chat-first'), failed(0, 'X'), deflected(0, 'chat-second'), failed(1, 'FIRST'), failed(1, 'SECOND')]);
      assert.deepEqual(present(await store.outcomeOf(key, 0)), deflected(0, 'chat-first'));
      assert.equal((await store.outcomeOf(key, 1))?.failureCode, 'FIRST');
      assert.equal((await collect(store.outcomes(key))).length, 2);
      assert.equal(await store.outcomeOf(key, 2), undefined);
    });

    void test('campaigns never see each other’s entries, outcomes or attempts', async () => {
      const [a, b] = [fresh(), fresh()];
      await store.stageEntries(a, [staged(0, 'same-id'), staged(1)]);
      await store.stageEntries(b, [staged(0, 'other-id')]);
      await store.recordOutcomes(a, [created(0, 'voice-a', 'same-id')]);
      await store.recordOutcomes(b, [failed(0, 'INVALID_QUEUE', 'other-id')]);
      await store.recordAttempts(a, [{ index: 0, send: 1, api: 'BatchPutContact', result: 'CREATED' }]);

      assert.equal((await store.outcomeOf(a, 0))?.outcome, 'CREATED');
      assert.equal((await store.outcomeOf(b, 0))?.outcome, 'FAILED');
      assert.deepEqual((await store.stagedPage(b, 0, 10)).indices, [0]);
      assert.deepEqual((await store.stagedEntries(b, [0]))[0]?.entry.RequestIdentifier, 'other-id');
      assert.deepEqual(await store.lookup(b, ['same-id']), [{ requestIdentifier: 'same-id', staged: false }]);
      assert.equal((await store.lastAttempts(b, [0])).size, 0);
      assert.deepEqual(await store.outcomeCounts(b), { ...emptyOutcomeCounts(), FAILED: 1 });
      await store.saveStagingSummary(a, { total: 2, valid: 2, rejected: 0 });
      assert.equal(await store.stagingSummary(b), undefined);
    });

    void test('staging entries again leaves the rows first staged', async () => {
      const key = fresh();
      await store.stageEntries(key, [staged(0, 'first'), staged(1, 'first-1')]);
      await store.stageEntries(key, [staged(0, 'second'), staged(1, 'second-1'), staged(2, 'new')]);
      await store.stageEntries(key, []);
      assert.deepEqual(
        (await store.stagedEntries(key, [0, 1, 2])).map((e) => e.entry.RequestIdentifier),
        ['first', 'first-1', 'new'],
      );
      assert.deepEqual((await allPages(store, key, 10)).indices, [0, 1, 2]);
    });

    void test('pages cover the list exactly once whatever their size, with nextIndex one past the last', async () => {
      const key = fresh();
      await store.stageEntries(
        key,
        range(0, 23).map((i) => staged(i)),
      );
      for (const max of [1, 5, 22, 23, 24, 100]) {
        const { indices, pages } = await allPages(store, key, max);
        assert.deepEqual(indices, range(0, 23), `page size ${max}`);
        assert.equal(pages, Math.ceil(23 / max), `page size ${max} reads ${pages} pages`);
      }
      assert.deepEqual(await store.stagedPage(key, 0, 23), { indices: range(0, 23), nextIndex: 23, done: true }, 'an exact cover is done at once');
      assert.deepEqual(await store.stagedPage(key, 23, 5), { indices: [], nextIndex: 23, done: true });
      assert.deepEqual(await store.stagedPage(fresh(), 0, 5), { indices: [], nextIndex: 0, done: true }, 'a campaign with nothing staged');
      await assert.rejects(store.stagedPage(key, 0, 0), RangeError);
    });

    void test('a page can start mid-list, and skips the gaps left by REJECTED entries', async () => {
      const key = fresh();
      await store.stageEntries(
        key,
        range(0, 10).map((i) => staged(i)),
      );
      assert.deepEqual(await store.stagedPage(key, 4, 3), { indices: [4, 5, 6], nextIndex: 7, done: false });
      assert.deepEqual(await store.stagedPage(key, 7, 3), { indices: [7, 8, 9], nextIndex: 10, done: true });

      // Entries 2, 5, 6 and 8 were REJECTED: the list has no rows for them.
      const gaps = fresh();
      await store.stageEntries(
        gaps,
        [0, 1, 3, 4, 7, 9].map((i) => staged(i)),
      );
      assert.deepEqual(await store.stagedPage(gaps, 0, 2), { indices: [0, 1], nextIndex: 2, done: false });
      assert.deepEqual(await store.stagedPage(gaps, 2, 2), { indices: [3, 4], nextIndex: 5, done: false });
      assert.deepEqual(await store.stagedPage(gaps, 5, 2), { indices: [7, 9], nextIndex: 10, done: true });
      assert.deepEqual(await store.stagedPage(gaps, 5, 1), { indices: [7], nextIndex: 8, done: false });
      assert.deepEqual(await store.stagedPage(gaps, 8, 1), { indices: [9], nextIndex: 10, done: true });
      for (const max of [1, 4, 6, 50]) assert.deepEqual((await allPages(store, gaps, max)).indices, [0, 1, 3, 4, 7, 9], `page size ${max}`);
    });

    void test('stagedEntries answers in the order asked and names an index that is not staged', async () => {
      const key = fresh();
      const entries = [staged(0), staged(1, 'Zoë 日本 🎉'), staged(2), { index: 3, entry: { ...staged(3).entry, Attributes: { Name: '"quoted", with\nnewline' } } }];
      await store.stageEntries(key, entries);
      assert.deepEqual(await store.stagedEntries(key, [3, 0, 1]), [entries[3], entries[0], entries[1]]);
      assert.deepEqual(await store.stagedEntries(key, []), []);
      await assert.rejects(store.stagedEntries(key, [0, 7]), new RegExp(`entry 7 of campaign ${key} is not staged`));
    });

    void test('lookup finds a staged id with its outcome, a REJECTED-only id, and nothing for an unknown id', async () => {
      const key = fresh();
      await store.stageEntries(key, [staged(0, 'sent'), staged(1, 'waiting'), staged(3, 'repeated')]);
      await store.recordOutcomes(key, [created(0, 'voice-0', 'sent'), rejected(2, 'bad-number', 'not E.164'), rejected(4, 'repeated')]);
      assert.deepEqual(await store.lookup(key, ['sent', 'waiting', 'bad-number', 'unknown', 'repeated', 'sent']), [
        { requestIdentifier: 'sent', index: 0, staged: true, outcome: 'CREATED' },
        { requestIdentifier: 'waiting', index: 1, staged: true, outcome: undefined },
        { requestIdentifier: 'bad-number', index: 2, staged: false, outcome: 'REJECTED' },
        { requestIdentifier: 'unknown', staged: false },
        // The list repeats "repeated": the staged entry wins over the REJECTED duplicate at 4.
        { requestIdentifier: 'repeated', index: 3, staged: true, outcome: undefined },
        { requestIdentifier: 'sent', index: 0, staged: true, outcome: 'CREATED' },
      ]);
      assert.deepEqual(await store.lookup(key, []), []);
    });

    void test('lookup of an id REJECTED twice and never staged names the first rejection', async () => {
      const key = fresh();
      await store.recordOutcomes(key, [rejected(6, 'twice', 'second'), rejected(2, 'twice', 'first')]);
      assert.deepEqual(await store.lookup(key, ['twice']), [{ requestIdentifier: 'twice', index: 2, staged: false, outcome: 'REJECTED' }]);
    });

    void test('lastAttempts answers the newest send of each entry; the same send again replaces its row', async () => {
      const key = fresh();
      const attempt = (index: number, send: number, result: string, extra: Partial<Attempt> = {}): Attempt => ({ index, send, api: 'StartOutboundVoiceContact', result, ...extra });
      await store.recordAttempts(key, [
        attempt(0, 1, 'ThrottlingException', { message: 'slow down' }),
        attempt(0, 3, 'CREATED', { contactId: 'voice-0' }),
        attempt(0, 2, 'InternalServiceException'),
      ]);
      await store.recordAttempts(key, [attempt(1, 1, 'ThrottlingException'), attempt(1, 1, 'CREATED', { contactId: 'in-one-call' })]);
      await store.recordAttempts(key, [attempt(2, 1, 'ThrottlingException', { message: 'first try' })]);
      await store.recordAttempts(key, [attempt(2, 1, 'CREATED', { contactId: 'voice-2' })]);
      await store.recordAttempts(key, []);

      const last = await store.lastAttempts(key, [0, 1, 2, 9]);
      assert.deepEqual([...last.keys()].sort(), [0, 1, 2]);
      assert.deepEqual(last.get(0), attempt(0, 3, 'CREATED', { contactId: 'voice-0', message: undefined }));
      assert.deepEqual(last.get(1), attempt(1, 1, 'CREATED', { contactId: 'in-one-call', message: undefined }));
      assert.deepEqual(last.get(2), attempt(2, 1, 'CREATED', { contactId: 'voice-2', message: undefined }), 'a retried call replaces the row, message and all');
      assert.equal((await store.lastAttempts(key, [])).size, 0);
    });

    void test('cancelUnsent cancels the held entries and the unread rest less skip, never over a higher outcome, and answers the same on a retry', async () => {
      const key = fresh();
      // 10 staged entries, 4 of them REJECTED in the list (no rows): 0 1 2 3 5 6 8 9 ... 11
      await store.stageEntries(
        key,
        [0, 1, 2, 3, 5, 6, 8, 9, 10, 11].map((i) => staged(i)),
      );
      await store.recordOutcomes(key, [created(0), created(2), deflected(9)]);
      const unsent = { held: [1, 2], fromIndex: 6, skip: [9], message: 'the campaign was cancelled' };

      // Unsent: held 1 and 2, then from 6 on: 6 8 10 11 (9 is skipped, deflected before it was read).
      assert.deepEqual(await store.cancelUnsent(key, unsent), { covered: 6, recorded: 5 }, 'entry 2 is covered but keeps its CREATED');
      assert.deepEqual(await store.cancelUnsent(key, unsent), { covered: 6, recorded: 0 }, 'a retried activity answers the same, and records nothing twice');
      const outcomes = new Map((await collect(store.outcomes(key))).map((r) => [r.index, r]));
      assert.deepEqual(
        [...outcomes].map(([i, r]) => [i, r.outcome]),
        [
          [0, 'CREATED'],
          [1, 'CANCELLED'],
          [2, 'CREATED'],
          [6, 'CANCELLED'],
          [8, 'CANCELLED'],
          [9, 'DEFLECTED'],
          [10, 'CANCELLED'],
          [11, 'CANCELLED'],
        ],
      );
      assert.deepEqual(present(outcomes.get(1)), { requestIdentifier: 'c-1', index: 1, outcome: 'CANCELLED', message: 'the campaign was cancelled' });

      const readToTheEnd = fresh();
      await store.stageEntries(
        readToTheEnd,
        range(0, 5).map((i) => staged(i)),
      );
      assert.equal((await store.cancelUnsent(readToTheEnd, { held: [3], skip: [], message: 'cancelled' })).covered, 1, 'no fromIndex: only the held entries');
      assert.deepEqual(
        (await collect(store.outcomes(readToTheEnd))).map((r) => [r.index, r.outcome]),
        [[3, 'CANCELLED']],
      );
      assert.equal((await store.cancelUnsent(readToTheEnd, { held: [], skip: [], message: 'cancelled' })).covered, 0);
    });

    void test('outcomes streams 12,000 records in index order across report pages of 5,000, and counts them', async () => {
      const key = fresh();
      const n = 12_000;
      const kindOf = (i: number): OutcomeRecord => (i % 10 === 0 ? deflected(i) : i % 7 === 0 ? failed(i, 'INVALID_QUEUE') : i % 13 === 0 ? rejected(i, `c-${i}`) : created(i));
      // Written in two calls, the second first, so the store and not the writes order them.
      await store.recordOutcomes(key, range(6_000, n).map(kindOf));
      await store.recordOutcomes(key, range(0, 6_000).map(kindOf));
      const all = await collect(store.outcomes(key));
      assert.equal(all.length, n);
      assert.ok(
        all.every((r, i) => r.index === i),
        `out of order at ${all.findIndex((r, i) => r.index !== i)}`,
      );
      assert.deepEqual(present(all[12]), created(12));
      assert.deepEqual(present(all[11_990]), deflected(11_990));

      const expected = emptyOutcomeCounts();
      for (const i of range(0, n)) expected[kindOf(i).outcome]++;
      assert.deepEqual(await store.outcomeCounts(key), expected);
      assert.deepEqual(await store.outcomeCounts(fresh()), emptyOutcomeCounts());
      assert.deepEqual(await collect(store.outcomes(fresh())), []);
    });

    void test('the staging summary reads back as saved, and is absent until saved', async () => {
      const key = fresh();
      assert.equal(await store.stagingSummary(key), undefined);
      const summary: StagingSummary = {
        total: 40,
        valid: 0,
        rejected: 40,
        commonRejection: { code: 'MISSING_QUEUE_ID_AND_SYSTEM_ENDPOINT', field: 'QueueId', reason: 'neither QueueId nor SystemEndpoint is set', firstIndex: 0, count: 40 },
      };
      await store.saveStagingSummary(key, summary);
      assert.deepEqual(await store.stagingSummary(key), summary);
      await store.saveStagingSummary(key, { total: 1, valid: 1, rejected: 0 });
      assert.deepEqual(await store.stagingSummary(key), { total: 1, valid: 1, rejected: 0 });
    });

    void test('the migrations are applied once: opening the database again applies nothing', async () => {
      const { rows } = await t.database.pool.query<{ name: string }>('SELECT name FROM connect_dialer_migrations ORDER BY version');
      assert.deepEqual(
        rows.map((r) => r.name),
        [
          'campaign-store',
          'deflections',
          'compliance-waiting-suppression',
          'call-outcomes',
          'call-outcomes-redial',
          'caps-recipient-sends',
          'call-outcomes-v2-contacts',
          'call-outcomes-v2-campaigns',
        ],
      );
      const logged: string[] = [];
      const again = await openCampaignDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir, log: (line) => logged.push(line) });
      try {
        assert.deepEqual(logged, []);
        assert.deepEqual(await migrateCampaignStore(again.pool), []);
        assert.equal((await again.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM connect_dialer_migrations')).rows[0]?.n, 8);
      } finally {
        await again.close();
      }
    });
  });
}

void describe('embedded store', () => {
  void test('a second process opens the same data folder through its owner, and what it writes is read here', async () => {
    const t = await openTestStore('pglite');
    try {
      assert.doesNotMatch(t.database.description, /served by another process/);
      const fixture = join(__dirname, 'fixtures', 'record-outcome.ts');
      const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, t.dataDir, 'shared', '4', 'from-child'], { cwd: join(__dirname, '..'), timeout: 60_000 });
      assert.match(stdout, /embedded PGlite in .* \(served by another process\)/);
      const record = await t.store.outcomeOf('shared', 4);
      assert.equal(record?.requestIdentifier, 'from-child');
      assert.match(record?.contactId ?? '', /^contact-from-pid-\d+$/);
      assert.notEqual(record?.contactId, `contact-from-pid-${process.pid}`);
    } finally {
      await t.close();
    }
  });
});

void describe('embedded store after its owner is killed', () => {
  void test('an owner killed with SIGKILL leaves a lock and a port nobody answers; the next process takes over and keeps the data', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-takeover-'));
    const fixture = join(__dirname, 'fixtures', 'record-outcome.ts');
    const owner = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir, 'taken-over', '7', 'before-kill', '--hold'], {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(owner.stdout, 'data')) as [Buffer];
      assert.doesNotMatch(line.toString(), /served by another process/, 'the child owns the store');
      owner.kill('SIGKILL');
      await once(owner, 'exit');
      const database = await openCampaignDatabase({ dataDir });
      try {
        assert.doesNotMatch(database.description, /served by another process/, 'this process took the store over');
        const record = await createCampaignStore(database.pool).outcomeOf('taken-over', 7);
        assert.equal(record?.requestIdentifier, 'before-kill', 'what the killed owner wrote survived');
      } finally {
        await database.close();
      }
    } finally {
      owner.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

void describe('report', () => {
  const tricky: OutcomeRecord[] = [
    { requestIdentifier: 'a,1', index: 0, outcome: 'CREATED', contactId: 'c-1' },
    { requestIdentifier: 'b', index: 1, outcome: 'REJECTED', field: 'Attributes.first name', message: 'said "no",\nthen left' },
    { requestIdentifier: ' c ', index: 2, outcome: 'FAILED', failureCode: 'INVALID_QUEUE', message: 'Zoë 日本' },
    { requestIdentifier: 'd', index: 3, outcome: 'DEFLECTED', contactId: 'chat-d', relatedContactId: 'c-4' },
  ];

  async function* source(): AsyncIterable<OutcomeRecord> {
    yield* await Promise.resolve(tricky);
  }

  void test('CSV quotes what needs quoting and reads back to the same values', async () => {
    const text = (await collect(formatReport(source(), 'csv'))).join('');
    assert.equal(text.split('\n')[0], 'RequestIdentifier,Index,Outcome,ContactId,RelatedContactId,FailureCode,Field,Message');
    assert.ok(text.includes('"a,1",0,CREATED,c-1,,,,\n'), text);
    assert.ok(text.includes('"said ""no"",\nthen left"'), text);
    const rows = parse<Record<string, string>>(text, { columns: true });
    assert.deepEqual(
      rows.map((r) => [r.RequestIdentifier, r.Index, r.Outcome, r.ContactId, r.RelatedContactId, r.FailureCode, r.Field, r.Message]),
      tricky.map((r) => [r.requestIdentifier, String(r.index), r.outcome, r.contactId ?? '', r.relatedContactId ?? '', r.failureCode ?? '', r.field ?? '', r.message ?? '']),
    );
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField(' pad'), '" pad"');
    assert.equal(csvField(7), '7');
    assert.equal(csvField(undefined), '');
  });

  void test('writeReport writes every outcome in the store, after precedence, as JSONL or CSV', async () => {
    const t = await openTestStore('pglite');
    try {
      await t.store.recordOutcomes('wf', tricky);
      await t.store.recordOutcomes('wf', [{ requestIdentifier: 'a,1', index: 0, outcome: 'DEFLECTED', contactId: 'chat-a' }]);
      const reports = join(t.dataDir, 'reports');
      const jsonl = await writeReport('wf', t.store, join(reports, 'out.jsonl'), 'jsonl');
      assert.equal(jsonl.records, 4);
      const lines = (await readFile(jsonl.path, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as OutcomeRecord);
      assert.deepEqual(lines, [{ requestIdentifier: 'a,1', index: 0, outcome: 'DEFLECTED', contactId: 'chat-a' }, ...tricky.slice(1)]);

      const csv = await writeReport('wf', t.store, join(reports, 'out.csv'), 'csv');
      assert.equal(csv.records, 4);
      assert.equal(parse<Record<string, string>>(await readFile(csv.path, 'utf8'), { columns: true }).length, 4);
      assert.deepEqual((await readdir(reports)).sort(), ['out.csv', 'out.jsonl']);
    } finally {
      await t.close();
    }
  });
});
