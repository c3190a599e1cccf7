import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { OutcomeRecord } from '../src/domain/outcome';
import { campaignDir } from '../src/activities/campaign-files';
import { createFileOutcomeStore, createMemoryOutcomeStore, type OutcomeStore } from '../src/activities/outcome-store';
import { csvField, formatReport, writeReport } from '../src/activities/report';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'outcomes-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const created = (id: string, index: number, contactId = `contact-${id}`): OutcomeRecord => ({ requestIdentifier: id, index, outcome: 'CREATED', contactId });

let storeCount = 0;
const stores: [string, () => OutcomeStore][] = [
  ['file store', () => createFileOutcomeStore(join(root, `data-${++storeCount}`))],
  ['memory store', () => createMemoryOutcomeStore()],
];

for (const [name, makeStore] of stores) {
  void describe(name, () => {
    void test('reads back every record, sorted by index', async () => {
      const store = makeStore();
      await store.write('wf', 'batch-2', [created('c', 2), created('d', 3)]);
      await store.write('wf', 'batch-1', [created('b', 1), created('a', 0)]);
      await store.write('wf', 'legacy', [{ requestIdentifier: 'no-index', outcome: 'FAILED', failureCode: 'INVALID_QUEUE' }]);
      const all = await collect(store.readAll('wf'));
      assert.deepEqual(
        all.map((r) => r.requestIdentifier),
        ['a', 'b', 'c', 'd', 'no-index'],
      );
      assert.deepEqual(all[0], created('a', 0));
      assert.deepEqual(await collect(store.readAll('other-campaign')), []);
    });

    void test('writing a key again replaces it, so a retry never double-counts', async () => {
      const store = makeStore();
      await store.write('wf', 'batch-7', [created('a', 0, 'first'), created('b', 1), created('c', 2)]);
      await store.write('wf', 'batch-7', [created('a', 0, 'second'), created('b', 1)]);
      assert.deepEqual(await collect(store.readAll('wf')), [created('a', 0, 'second'), created('b', 1)]);
      await store.write('wf', 'batch-7', []);
      assert.deepEqual(await collect(store.readAll('wf')), []);
    });

    void test('merges by precedence whatever the key order: DEFLECTED beats CREATED, CREATED beats CANCELLED', async () => {
      const store = makeStore();
      await store.write('wf', 'z-batch', [created('a', 0), created('b', 1), created('c', 2)]);
      await store.write('wf', 'a-chat', [{ requestIdentifier: 'a', index: 0, outcome: 'DEFLECTED', contactId: 'chat-a', relatedContactId: 'contact-a' }]);
      await store.write('wf', 'cancelled-000000', [
        { requestIdentifier: 'b', index: 1, outcome: 'CANCELLED' },
        { requestIdentifier: 'e', index: 4, outcome: 'CANCELLED' },
      ]);
      const all = await collect(store.readAll('wf'));
      assert.deepEqual(
        all.map((r) => [r.requestIdentifier, r.outcome, r.contactId]),
        [
          ['a', 'DEFLECTED', 'chat-a'],
          ['b', 'CREATED', 'contact-b'],
          ['c', 'CREATED', 'contact-c'],
          ['e', 'CANCELLED', undefined],
        ],
      );
      const found = await store.find('wf', ['a', 'e', 'unknown']);
      assert.deepEqual([...found.keys()].sort(), ['a', 'e']);
      assert.equal(found.get('a')?.outcome, 'DEFLECTED');
    });

    void test('a repeated id REJECTED at staging stays its own record; find prefers the staged entry', async () => {
      const store = makeStore();
      const duplicate: OutcomeRecord = { requestIdentifier: 'a', index: 5, outcome: 'REJECTED', field: 'RequestIdentifier', message: 'repeat' };
      await store.write('wf', 'rejected-000001', [duplicate]);
      assert.deepEqual((await store.find('wf', ['a'])).get('a'), duplicate, 'before the first "a" settles, the rejection is all there is');
      await store.write('wf', 'batch-0', [created('a', 0)]);
      assert.equal((await collect(store.readAll('wf'))).length, 2, 'outcomes add up to the list size');
      assert.deepEqual((await store.find('wf', ['a'])).get('a'), created('a', 0));
    });

    void test('refuses keys that are not safe file names and records that are not outcomes', async () => {
      const store = makeStore();
      for (const key of ['', '../escape', 'a/b', '..', 'sp ace']) {
        await assert.rejects(store.write('wf', key, []), /outcome key/, key);
      }
      const bogus = { requestIdentifier: 'a', outcome: 'MAYBE' } as unknown as OutcomeRecord;
      const attempt = (async () => {
        await store.write('wf', 'bad', [bogus]);
        await collect(store.readAll('wf'));
      })();
      await assert.rejects(attempt);
    });
  });
}

void describe('file store layout', () => {
  void test('keeps one file per key under the campaign folder and ignores temp files', async () => {
    const dataDir = join(root, 'layout');
    const store = createFileOutcomeStore(dataDir);
    await store.write('campaign-x', 'batch-1', [created('a', 0)]);
    const dir = join(campaignDir(dataDir, 'campaign-x'), 'outcomes');
    assert.deepEqual(await readdir(dir), ['batch-1.jsonl']);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'batch-1.jsonl'), 'utf8')), created('a', 0));
    // What a crash mid-write leaves behind must not count.
    await writeFile(join(dir, 'batch-2.jsonl.123-abc.tmp'), JSON.stringify(created('b', 1)) + '\n');
    assert.equal((await collect(store.readAll('campaign-x'))).length, 1);
  });

  void test('a corrupted line is reported with its file and line', async () => {
    const dataDir = join(root, 'corrupt');
    const dir = join(campaignDir(dataDir, 'wf'), 'outcomes');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'batch-1.jsonl'), JSON.stringify(created('a', 0)) + '\n{"requestIdentifier":"b","outcome":"NOPE"}\n');
    await assert.rejects(collect(createFileOutcomeStore(dataDir).readAll('wf')), /batch-1\.jsonl line 2 is not an outcome record/);
  });
});

void describe('campaignDir', () => {
  void test('uses safe workflow ids as they are and keeps others inside, distinct', () => {
    assert.equal(campaignDir('/data', 'campaign-spring.2025'), join('/data', 'campaigns', 'campaign-spring.2025'));
    const odd = ['a/b', 'a\\b', 'a_b/', '..', 'x y'].map((id) => campaignDir('/data', id));
    for (const d of odd) assert.equal(join(d, '..'), join('/data', 'campaigns'), d);
    assert.equal(new Set([...odd, campaignDir('/data', 'a_b')]).size, odd.length + 1);
  });
});

void describe('report', () => {
  const tricky: OutcomeRecord[] = [
    { requestIdentifier: 'a,1', index: 0, outcome: 'CREATED', contactId: 'c-1' },
    { requestIdentifier: 'b', index: 1, outcome: 'REJECTED', field: 'Attributes.first name', message: 'said "no",\nthen left' },
    { requestIdentifier: ' c ', index: 2, outcome: 'FAILED', failureCode: 'INVALID_QUEUE', message: 'Zoë 日本' },
    { requestIdentifier: 'd', outcome: 'DEFLECTED', contactId: 'chat-d', relatedContactId: 'c-4' },
  ];

  async function* source(): AsyncIterable<OutcomeRecord> {
    yield* await Promise.resolve(tricky);
  }

  void test('CSV quotes what needs quoting and reads back to the same values', async () => {
    const text = (await collect(formatReport(source(), 'csv'))).join('');
    assert.equal(text.split('\n')[0], 'RequestIdentifier,Index,Outcome,ContactId,RelatedContactId,FailureCode,Field,Message');
    assert.ok(text.includes('"a,1",0,CREATED,c-1,,,,\n'));
    assert.ok(text.includes('"said ""no"",\nthen left"'));
    const rows = parse<Record<string, string>>(text, { columns: true });
    assert.deepEqual(
      rows.map((r) => [r.RequestIdentifier, r.Index, r.Outcome, r.ContactId, r.RelatedContactId, r.FailureCode, r.Field, r.Message]),
      tricky.map((r) => [r.requestIdentifier, r.index === undefined ? '' : String(r.index), r.outcome, r.contactId ?? '', r.relatedContactId ?? '', r.failureCode ?? '', r.field ?? '', r.message ?? '']),
    );
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField(' pad'), '" pad"');
    assert.equal(csvField(undefined), '');
  });

  void test('writeReport writes every merged outcome as JSONL or CSV', async () => {
    const store = createMemoryOutcomeStore();
    await store.write('wf', 'batch-1', tricky);
    await store.write('wf', 'chat-0', [{ requestIdentifier: 'a,1', index: 0, outcome: 'DEFLECTED', contactId: 'chat-a' }]);
    const jsonl = await writeReport('wf', store, join(root, 'reports', 'out.jsonl'), 'jsonl');
    assert.equal(jsonl.records, 4);
    const lines = (await readFile(jsonl.path, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as OutcomeRecord);
    assert.deepEqual(lines[0], { requestIdentifier: 'a,1', index: 0, outcome: 'DEFLECTED', contactId: 'chat-a' });
    assert.deepEqual(lines.slice(1), tricky.slice(1));

    const csv = await writeReport('wf', store, join(root, 'reports', 'out.csv'), 'csv');
    assert.equal(csv.records, 4);
    assert.equal(parse<Record<string, string>>(await readFile(csv.path, 'utf8'), { columns: true }).length, 4);
    assert.deepEqual((await readdir(join(root, 'reports'))).sort(), ['out.csv', 'out.jsonl']);
  });
});
