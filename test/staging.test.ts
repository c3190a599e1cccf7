import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialListSourceSchema, type DialListSource } from '../src/domain/campaign';
import type { ContactDefaults, StagedEntry } from '../src/domain/contact-entry';
import type { OutcomeRecord } from '../src/domain/outcome';
import { campaignDir } from '../src/activities/campaign-files';
import { DialListError } from '../src/activities/dial-list-reader';
import { createFileOutcomeStore, createMemoryOutcomeStore, type OutcomeStore } from '../src/activities/outcome-store';
import { findStagedEntries, forEachStagedEntry, readStagedPage } from '../src/activities/staged-list';
import { stageDialList } from '../src/activities/staging';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'staging-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const defaults: ContactDefaults = { QueueId: 'queue-default' };
let dirCount = 0;
const freshDir = (): string => join(root, `campaign-${++dirCount}`);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Every staged entry, read back through pages of `pageSize`. */
async function allPages(dir: string, pageSize: number): Promise<{ entries: StagedEntry[]; offsets: number[]; pages: number }> {
  const entries: StagedEntry[] = [];
  const offsets: number[] = [];
  let offset = 0;
  let pages = 0;
  for (;;) {
    const page = await readStagedPage(dir, offset, pageSize);
    pages++;
    assert.ok(page.entries.length <= pageSize);
    entries.push(...page.entries);
    offsets.push(page.nextOffset);
    offset = page.nextOffset;
    if (page.done) return { entries, offsets, pages };
    assert.equal(page.entries.length, pageSize, 'only the last page may be short');
  }
}

const phone = (n: number): string => `+1415555${String(n % 10000).padStart(4, '0')}`;

void describe('stageDialList', () => {
  void test('stages valid entries and REJECTS bad ones with their field and reason', async () => {
    const dir = freshDir();
    const outcomes = createMemoryOutcomeStore();
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
    const summary = await stageDialList({
      dir,
      source: { kind: 'inline', entries },
      defaults,
      outcomes,
      campaignKey: 'wf-1',
      onProgress: (n) => progress.push(n),
    });
    assert.deepEqual(summary, {
      total: 10,
      valid: 3,
      rejected: 7,
      bytes: (await stat(join(dir, 'staged.jsonl'))).size,
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

    const { entries: staged } = await allPages(dir, 100);
    assert.deepEqual(
      staged.map((s) => [s.index, s.entry.RequestIdentifier, s.entry.CustomerEndpoint?.Address]),
      [
        [0, 'ok-1', '+14155550100'], // normalised to E.164
        [6, 'row-7', '+14155550105'], // generated id
        [9, 'bad-number', '+14155550107'], // a rejected entry does not claim its id
      ],
    );

    const rejected = await collect(outcomes.readAll('wf-1'));
    const byIndex = new Map(rejected.map((r) => [r.index, r]));
    assert.equal(rejected.length, 7);
    assert.ok(rejected.every((r) => r.outcome === 'REJECTED'));
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
  });

  void test('a JSONL line that is not JSON is REJECTED, the rest staged', async () => {
    const dir = freshDir();
    const path = join(root, 'mixed.jsonl');
    await writeFile(path, '{"CustomerEndpoint":{"Address":"+14155550100"}}\n{oops\n{"CustomerEndpoint":{"Address":"+14155550101"}}\n');
    const outcomes = createMemoryOutcomeStore();
    const summary = await stageDialList({ dir, source: { kind: 'file', path, columns: csvDefaults }, defaults, outcomes, campaignKey: 'wf' });
    assert.deepEqual([summary.total, summary.valid, summary.rejected], [3, 2, 1]);
    const [bad] = await collect(outcomes.readAll('wf'));
    assert.equal(bad?.requestIdentifier, 'row-2');
    assert.equal(bad?.index, 1);
    assert.match(bad?.message ?? '', /^line 2: is not JSON/);
  });

  void test('a list every entry of which is rejected for one reason names it, with the count, for the campaign to fail with', async () => {
    const entries = Array.from({ length: 40 }, (_, i) => ({ RequestIdentifier: `n-${i}`, CustomerEndpoint: { Address: phone(i) } }));
    const summary = await stageDialList({ dir: freshDir(), source: { kind: 'inline', entries }, defaults: {}, outcomes: createMemoryOutcomeStore(), campaignKey: 'wf' });
    assert.deepEqual(summary.commonRejection, {
      code: 'MISSING_QUEUE_ID_AND_SYSTEM_ENDPOINT',
      field: 'QueueId',
      reason: 'neither QueueId nor SystemEndpoint is set, for the entry or as a campaign default',
      firstIndex: 0,
      count: 40,
    });
    assert.equal(summary.commonRejection.count, summary.total);

    // Numbers that differ per entry still count as one reason: the rule, not the message, groups them.
    const local = Array.from({ length: 5 }, (_, i) => ({ CustomerEndpoint: { Address: `555-01${i}0` } }));
    const mixed = [...local, { CustomerEndpoint: { Address: '+14155550100' }, Attributes: { 'bad key': 'x' } }];
    const second = await stageDialList({ dir: freshDir(), source: { kind: 'inline', entries: mixed }, defaults, outcomes: createMemoryOutcomeStore(), campaignKey: 'wf' });
    assert.equal(second.commonRejection?.code, 'INVALID_CUSTOMER_ENDPOINT');
    assert.equal(second.commonRejection?.count, 5);
    assert.match(second.commonRejection?.reason ?? '', /^"555-0100" is not a valid E\.164 phone number/);

    const clean = await stageDialList({ dir: freshDir(), source: { kind: 'inline', entries: [entries[0]] }, defaults, outcomes: createMemoryOutcomeStore(), campaignKey: 'wf' });
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
      const outcomes = createMemoryOutcomeStore();
      const dir = freshDir();
      await stageDialList({ dir, source: { kind: 'inline', entries }, defaults, outcomes, campaignKey: 'wf', validation });
      const { entries: staged } = await allPages(dir, 10);
      const rejected = new Map((await collect(outcomes.readAll('wf'))).map((r) => [r.requestIdentifier, r.message ?? '']));
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
    const dir = freshDir();
    const outcomes = createMemoryOutcomeStore();
    const summary = await stageDialList({ dir, source: dialListSourceSchema.parse({ kind: 'file', path }), defaults, outcomes, campaignKey: 'wf' });
    assert.deepEqual([summary.total, summary.valid, summary.rejected], [100, 99, 1]);
    const [bad] = await collect(outcomes.readAll('wf'));
    assert.deepEqual([bad?.requestIdentifier, bad?.index, bad?.field], ['row-51', 50, '(entry)']);
    assert.match(bad?.message ?? '', /^line 52: a quoted field opens on this line and is never closed/);
    assert.equal(summary.commonRejection?.code, 'MALFORMED_LINE');
  });

  void test('staging again returns the first summary and changes nothing', async () => {
    const dir = freshDir();
    const writes: string[] = [];
    const inner = createMemoryOutcomeStore();
    const outcomes: OutcomeStore = { ...inner, write: (c, k, r) => (writes.push(k), inner.write(c, k, r)) };
    const source: DialListSource = {
      kind: 'inline',
      entries: [{ CustomerEndpoint: { Address: '+14155550100' } }, { CustomerEndpoint: { Address: 'nope' } }],
    };
    const first = await stageDialList({ dir, source, defaults, outcomes, campaignKey: 'wf' });
    const spool = await readFile(join(dir, 'staged.jsonl'));
    const mtime = (await stat(join(dir, 'staged.jsonl'))).mtimeMs;
    assert.deepEqual(writes, ['rejected-000001']);

    // Even a different list: a retried activity must not redo or change anything.
    const other: DialListSource = { kind: 'inline', entries: [{ CustomerEndpoint: { Address: '+14155550199' } }] };
    const second = await stageDialList({ dir, source: other, defaults, outcomes, campaignKey: 'wf' });
    assert.deepEqual(second, first);
    assert.deepEqual(await readFile(join(dir, 'staged.jsonl')), spool);
    assert.equal((await stat(join(dir, 'staged.jsonl'))).mtimeMs, mtime);
    assert.deepEqual(writes, ['rejected-000001']);
    assert.deepEqual((await readdir(dir)).sort(), ['staged.json', 'staged.jsonl']);
  });

  void test('a list that cannot be read leaves no spool behind', async () => {
    const dir = freshDir();
    const source = dialListSourceSchema.parse({ kind: 'file', path: join(root, 'absent.csv') });
    await assert.rejects(
      stageDialList({ dir, source, defaults, outcomes: createMemoryOutcomeStore(), campaignKey: 'wf' }),
      (err) => err instanceof DialListError && err.field === 'path',
    );
    const left = await readdir(dir).catch(() => []);
    assert.deepEqual(left, []);
  });
});

const csvDefaults = { requestIdentifier: 'RequestIdentifier', phoneNumber: 'PhoneNumber', queueId: 'QueueId' };

void describe('staged pages', () => {
  const names = ['Zoë', '日本語', 'emoji 🎉👩‍👩‍👧', 'plain', 'Ærøskøbing', '"quoted", with\nnewline'];

  async function stageUnicode(count: number): Promise<string> {
    const dir = freshDir();
    const entries = Array.from({ length: count }, (_, i) => ({
      RequestIdentifier: `u-${i}`,
      CustomerEndpoint: { Address: phone(i) },
      Attributes: { Name: names[i % names.length] ?? '', Pos: String(i) },
    }));
    await stageDialList({ dir, source: { kind: 'inline', entries }, defaults, outcomes: createMemoryOutcomeStore(), campaignKey: 'wf' });
    return dir;
  }

  void test('pages cover the list exactly once, with byte offsets that survive multi-byte UTF-8', async () => {
    const dir = await stageUnicode(23);
    const spool = await readFile(join(dir, 'staged.jsonl'));
    // The byte offset of each line start, computed independently from the file.
    const lineStarts = [0];
    for (let i = 0; i < spool.length; i++) if (spool[i] === 0x0a) lineStarts.push(i + 1);

    for (const pageSize of [1, 5, 23, 50]) {
      const { entries, offsets, pages } = await allPages(dir, pageSize);
      assert.equal(pages, Math.max(1, Math.ceil(23 / pageSize)), `page size ${pageSize}`);
      assert.deepEqual(
        entries.map((e) => e.entry.RequestIdentifier),
        Array.from({ length: 23 }, (_, i) => `u-${i}`),
      );
      assert.deepEqual(
        entries.map((e) => e.entry.Attributes?.Name),
        Array.from({ length: 23 }, (_, i) => names[i % names.length]),
      );
      for (const o of offsets) assert.ok(lineStarts.includes(o), `offset ${o} should be a line start`);
      assert.equal(offsets.at(-1), spool.length);
    }
  });

  void test('a page can start at any line start; other offsets are refused', async () => {
    const dir = await stageUnicode(10);
    const first = await readStagedPage(dir, 0, 4);
    assert.equal(first.done, false);
    const rest = await readStagedPage(dir, first.nextOffset, 100);
    assert.deepEqual(
      rest.entries.map((e) => e.index),
      [4, 5, 6, 7, 8, 9],
    );
    assert.equal(rest.done, true);
    const end = await readStagedPage(dir, rest.nextOffset, 100);
    assert.deepEqual(end, { entries: [], nextOffset: rest.nextOffset, done: true });

    await assert.rejects(readStagedPage(dir, first.nextOffset + 1, 1), /not the start of a line/);
    await assert.rejects(readStagedPage(dir, rest.nextOffset + 1, 1), /past the end/);
    await assert.rejects(readStagedPage(freshDir(), 0, 1), /not staged/);
  });

  void test('findStagedEntries returns entries with the offset of their line', async () => {
    const dir = await stageUnicode(40);
    const found = await findStagedEntries(dir, ['u-2', 'u-37', 'missing', 'u-2']);
    assert.deepEqual([...found.keys()].sort(), ['u-2', 'u-37']);
    for (const [id, hit] of found) {
      assert.equal(hit.entry.RequestIdentifier, id);
      const page = await readStagedPage(dir, hit.offset, 1);
      assert.deepEqual(page.entries[0], { index: hit.index, entry: hit.entry });
    }
    assert.equal((await findStagedEntries(dir, [])).size, 0);
  });

  void test('findStagedEntries reads escaped ids, and lines whose id is not first', async () => {
    const dir = freshDir();
    const ids = ['say "hi"', 'back\\slash', 'ünï 🎉', 'plain'];
    const entries = ids.map((id, i) => ({ RequestIdentifier: id, CustomerEndpoint: { Address: phone(i) } }));
    await stageDialList({ dir, source: { kind: 'inline', entries }, defaults, outcomes: createMemoryOutcomeStore(), campaignKey: 'wf' });
    const found = await findStagedEntries(dir, ids);
    assert.deepEqual(
      ids.map((id) => found.get(id)?.index),
      [0, 1, 2, 3],
    );

    // A spool written in another member order is still searchable.
    const other = freshDir();
    await mkdir(other, { recursive: true });
    const line = JSON.stringify({ entry: { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: phone(1) }, RequestIdentifier: 'late' }, index: 0 });
    await writeFile(join(other, 'staged.jsonl'), line + '\n');
    assert.equal((await findStagedEntries(other, ['late'])).get('late')?.offset, 0);
  });

  void test('forEachStagedEntry streams from an offset to the end', async () => {
    const dir = await stageUnicode(30);
    const page = await readStagedPage(dir, 0, 12);
    const seen: number[] = [];
    const count = await forEachStagedEntry(dir, page.nextOffset, async (e) => {
      await Promise.resolve();
      seen.push(e.index);
    });
    assert.equal(count, 18);
    assert.deepEqual(
      seen,
      Array.from({ length: 18 }, (_, i) => i + 12),
    );
  });
});

void describe('scale', () => {
  void test('stages 100,000 CSV rows with bounded work and exact counts', async () => {
    const rows = 100_000;
    const path = join(root, 'big.csv');
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

    const dataDir = join(root, 'data');
    const outcomes = createFileOutcomeStore(dataDir);
    const dir = campaignDir(dataDir, 'campaign-big');
    let progressCalls = 0;
    const started = performance.now();
    const summary = await stageDialList({
      dir,
      source: dialListSourceSchema.parse({ kind: 'file', path }),
      defaults,
      outcomes,
      campaignKey: 'campaign-big',
      onProgress: () => progressCalls++,
    });
    const ms = performance.now() - started;
    console.log(`staged ${rows} CSV rows in ${Math.round(ms)} ms`);

    assert.equal(summary.total, rows);
    assert.equal(summary.rejected, expectedRejected);
    assert.equal(summary.valid, rows - expectedRejected);
    assert.equal(summary.bytes, (await stat(join(dir, 'staged.jsonl'))).size);
    assert.ok(progressCalls >= rows / 1000, 'progress is reported as the list is read');
    assert.ok(progressCalls <= rows / 1000 + 1, 'progress is not reported per entry');

    let count = 0;
    let lastIndex = -1;
    await forEachStagedEntry(dir, 0, (e) => {
      assert.ok(e.index > lastIndex);
      lastIndex = e.index;
      count++;
    });
    assert.equal(count, summary.valid);

    const rejected: OutcomeRecord[] = await collect(outcomes.readAll('campaign-big'));
    assert.equal(rejected.length, expectedRejected);
    assert.ok(rejected.some((r) => r.index === 2500 && r.requestIdentifier === 'c-2500' && r.field === 'RequestIdentifier' && /row 2500/.test(r.message ?? '')));
    assert.deepEqual(await readdir(join(dir, 'outcomes')), ['rejected-000001.jsonl']);
    assert.equal(expectedRejected, 120, 'the generator above makes 100 bad numbers and 20 duplicates');
  });
});
