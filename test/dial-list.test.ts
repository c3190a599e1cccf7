import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialListSourceSchema, type DialListSource } from '../src/domain/campaign';
import { DialListError, isMalformed, readDialListSource } from '../src/dial-list/dial-list-reader';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dial-list-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A file source as the campaign spec would parse it (defaults applied). */
function fileSource(path: string, extra: Record<string, unknown> = {}): DialListSource {
  return dialListSourceSchema.parse({ kind: 'file', path, ...extra });
}

async function fixture(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const phone = (n: number): string => `+1415555${String(n).padStart(4, '0')}`;

async function rejectsWith(it: AsyncIterable<unknown>, field: string, ...fragments: string[]): Promise<void> {
  await assert.rejects(collect(it), (err: unknown) => {
    assert.ok(err instanceof DialListError, `expected a DialListError, got ${String(err)}`);
    assert.equal(err.field, field);
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" should mention "${f}"`);
    return true;
  });
}

void describe('inline', () => {
  void test('yields the entries as given', async () => {
    const entries = [{ CustomerEndpoint: { Address: '+14155550100' } }, 'not even an object'];
    assert.deepEqual(await collect(readDialListSource({ kind: 'inline', entries })), entries);
  });
});

void describe('csv', () => {
  void test('maps the standard columns and turns the others into attributes, honouring quotes', async () => {
    const path = await fixture(
      'quoted.csv',
      '\uFEFFRequestIdentifier,PhoneNumber,QueueId,FirstName,Note,Empty\r\n' +
        'a1,+14155550100,q-1,"Smith, Jane","she said ""hi""\nthen left",\r\n' +
        '\r\n' +
        ',+14155550101,,Bob,,\r\n',
    );
    const entries = await collect(readDialListSource(fileSource(path)));
    assert.deepEqual(entries, [
      {
        RequestIdentifier: 'a1',
        CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550100' },
        QueueId: 'q-1',
        Attributes: { FirstName: 'Smith, Jane', Note: 'she said "hi"\nthen left' },
      },
      // Empty cells are left out, so the id is generated and the queue default applies later.
      { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550101' }, Attributes: { FirstName: 'Bob' } },
    ]);
  });

  void test('accepts Phone or CustomerEndpoint, in any case, when the configured phone column is absent', async () => {
    const phone = await fixture('phone.csv', 'requestidentifier,phone\nx,+442071838750\n');
    assert.deepEqual(await collect(readDialListSource(fileSource(phone))), [{ RequestIdentifier: 'x', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+442071838750' } }]);
    const endpoint = await fixture('endpoint.csv', 'CUSTOMERENDPOINT,City\n+14155550100,Zürich\n');
    assert.deepEqual(await collect(readDialListSource(fileSource(endpoint))), [
      { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550100' }, Attributes: { City: 'Zürich' } },
    ]);
  });

  void test('uses the configured column names', async () => {
    const path = await fixture('custom.csv', 'Id,Mobile,Q,Phone\nc-1,+14155550100,queue-9,+19999999999\n');
    const source = fileSource(path, { columns: { requestIdentifier: 'Id', phoneNumber: 'Mobile', queueId: 'Q' } });
    assert.deepEqual(await collect(readDialListSource(source)), [
      {
        RequestIdentifier: 'c-1',
        CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550100' },
        QueueId: 'queue-9',
        // The configured column wins; a "Phone" column is then just an attribute.
        Attributes: { Phone: '+19999999999' },
      },
    ]);
  });

  void test('a CSV without a phone column fails, naming the column and the headers found', async () => {
    const path = await fixture('nophone.csv', 'RequestIdentifier,Name\na,b\n');
    await rejectsWith(readDialListSource(fileSource(path)), 'columns.phoneNumber', '"PhoneNumber"', '"RequestIdentifier", "Name"');
  });

  void test('a row with more fields than the header becomes a malformed marker naming its line; a short row is fine', async () => {
    const path = await fixture('ragged.csv', 'PhoneNumber,Name\n+14155550100,A,extra\n+14155550101\n');
    const [first, second] = await collect(readDialListSource(fileSource(path)));
    assert.ok(isMalformed(first));
    assert.match(first.__malformed, /^line 2: has 3 fields but the header has 2 columns$/);
    assert.deepEqual(second, { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550101' } });
  });

  void test('an unterminated quote in row 51 of 100 costs that row alone, named by the line where it starts', async () => {
    const rows = ['RequestIdentifier,PhoneNumber,Name'];
    for (let i = 1; i <= 100; i++) rows.push(`r-${i},${phone(i)},${i === 51 ? '"Smith, Jane' : `Name ${i}`}`);
    const entries = await collect(readDialListSource(fileSource(await fixture('unterminated.csv', rows.join('\n') + '\n'))));
    assert.equal(entries.length, 100, 'one item per row');
    const bad = entries[50];
    assert.ok(isMalformed(bad), `row 51 should be malformed, got ${JSON.stringify(bad)}`);
    assert.match(bad.__malformed, /^line 52: a quoted field opens on this line and is never closed/);
    const good = entries.filter((e) => !isMalformed(e)) as { RequestIdentifier?: string; Attributes?: Record<string, string> }[];
    assert.deepEqual(
      good.map((e) => e.RequestIdentifier),
      Array.from({ length: 100 }, (_, i) => `r-${i + 1}`).filter((id) => id !== 'r-51'),
    );
    assert.equal(good.at(-1)?.Attributes?.Name, 'Name 100');
  });

  void test('each badly quoted record is REJECTED at its own line, even when a later quote seems to close it', async () => {
    const path = await fixture(
      'quotes.csv',
      [
        'RequestIdentifier,PhoneNumber,Note',
        'a,+14155550100,"opens and never closes',
        'b,+14155550101,fine',
        'c,+14155550102,"closed" then text', // invalid closing quote, which also "closes" line 2's quote
        'd,+14155550103,"multi',
        'line, quoted"',
        'e,+14155550104,say ""hi""', // a quote inside an unquoted field
        'f,+14155550105,last',
      ].join('\r\n'),
    );
    const entries = await collect(readDialListSource(fileSource(path)));
    const shape = entries.map((e) => (isMalformed(e) ? e.__malformed.replace(/:.*/, '') : (e as { RequestIdentifier: string }).RequestIdentifier));
    assert.deepEqual(shape, ['line 2', 'b', 'line 4', 'd', 'line 7', 'f']);
    assert.deepEqual((entries[3] as { Attributes: Record<string, string> }).Attributes, { Note: 'multi\r\nline, quoted' });
    assert.match((entries[2] as { __malformed: string }).__malformed, /characters after its closing quote/);
  });

  void test('a header that is not CSV fails the list', async () => {
    const path = await fixture('badheader.csv', '"PhoneNumber,Name\n');
    await rejectsWith(readDialListSource(fileSource(path)), 'path', 'header row', 'line 1');
  });

  void test('lines may end in \\r alone (old Mac files)', async () => {
    const path = await fixture('cr.csv', 'PhoneNumber,Name\r+14155550100,A\r+14155550101,B\r');
    assert.deepEqual(
      (await collect(readDialListSource(fileSource(path)))).map((e) => (e as { Attributes: { Name: string } }).Attributes.Name),
      ['A', 'B'],
    );
  });

  void test('an empty CSV and repeated column names are refused', async () => {
    await rejectsWith(readDialListSource(fileSource(await fixture('empty.csv', ''))), 'path', 'header row');
    const twice = await fixture('twice.csv', 'PhoneNumber,Name,Name\n+14155550100,a,b\n');
    await rejectsWith(readDialListSource(fileSource(twice)), 'columns', '"Name"');
  });
});

void describe('encodings', () => {
  // "Zoë Müller" and "€" as Latin-1 (Windows-1252) bytes.
  const latin1 = Buffer.concat([
    Buffer.from('RequestIdentifier,PhoneNumber,Name\nc-1,+14155550100,Ada\nc-2,+14155550101,Zo'),
    Buffer.from([0xeb]),
    Buffer.from(' M'),
    Buffer.from([0xfc]),
    Buffer.from('ller '),
    Buffer.from([0x80]),
    Buffer.from('\n'),
  ]);

  void test('a CSV that is not UTF-8 fails the list naming the first bad line and byte, instead of corrupting names', async () => {
    const path = await fixture('latin1.csv', latin1);
    const offset = latin1.indexOf(0xeb);
    await rejectsWith(readDialListSource(fileSource(path)), 'encoding', 'not UTF-8', 'line 3', '0xEB', `offset ${offset}`, '--encoding latin1');
  });

  void test('--encoding latin1 reads it as Windows-1252', async () => {
    const path = await fixture('latin1-ok.csv', latin1);
    const entries = await collect(readDialListSource(fileSource(path, { encoding: 'latin1' })));
    assert.equal((entries[1] as { Attributes: { Name: string } }).Attributes.Name, 'Zoë Müller €');
  });

  void test('JSONL and JSON files are held to UTF-8 too', async () => {
    const jsonl = await fixture('latin1.jsonl', Buffer.concat([Buffer.from('{"RequestIdentifier":"a"}\n{"RequestIdentifier":"Zo'), Buffer.from([0xeb, 0x22, 0x7d, 0x0a])]));
    await rejectsWith(readDialListSource(fileSource(jsonl)), 'encoding', 'line 2', '0xEB');
    assert.deepEqual(await collect(readDialListSource(fileSource(jsonl, { encoding: 'latin1' }))), [{ RequestIdentifier: 'a' }, { RequestIdentifier: 'Zoë' }]);
    const json = await fixture('latin1.json', Buffer.concat([Buffer.from('[\n{"RequestIdentifier":"Zo'), Buffer.from([0xeb, 0x22, 0x7d, 0x5d])]));
    await rejectsWith(readDialListSource(fileSource(json)), 'encoding', 'line 2', '0xEB');
  });

  void test('bad bytes are found exactly across 1 MiB read chunks; characters cut by a chunk and a U+FFFD the file holds are fine', async () => {
    // Row 1's name puts a 3-byte "€" across the first chunk boundary; a real U+FFFD comes before the bad byte.
    const header = 'PhoneNumber,Name\n';
    const pad = 1024 * 1024 - header.length - '+14155550100,'.length - 1;
    const head = Buffer.from(`${header}+14155550100,${'a'.repeat(pad)}€ \uFFFD\n+14155550101,ok\n+14155550102,x`);
    assert.equal(head.subarray(1024 * 1024 - 1, 1024 * 1024 + 2).toString(), '€', 'the fixture straddles the chunk boundary');
    const good = await fixture('big-utf8.csv', Buffer.concat([head, Buffer.from('\n')]));
    const entries = await collect(readDialListSource(fileSource(good)));
    assert.equal(entries.length, 3);
    assert.ok((entries[0] as { Attributes: { Name: string } }).Attributes.Name.endsWith('€ \uFFFD'));
    const bad = await fixture('big-bad.csv', Buffer.concat([head, Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
    await rejectsWith(readDialListSource(fileSource(bad)), 'encoding', 'line 4', '0xC3', `offset ${head.length}`);
    // A character cut off by the end of the file.
    const cut = await fixture('cut.csv', Buffer.concat([Buffer.from('PhoneNumber\n+14155550100\n'), Buffer.from([0xe2, 0x82])]));
    await rejectsWith(readDialListSource(fileSource(cut)), 'encoding', 'line 3', '0xE2', 'offset 25');
  });
});

void describe('json', () => {
  const list = [
    { RequestIdentifier: 'j1', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550100' }, Attributes: { k: 'v' } },
    { RequestIdentifier: 'j2', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550101' } },
  ];

  void test('reads an AWS CLI --contact-data-request-list array', async () => {
    const path = await fixture('list.json', JSON.stringify(list, null, 2));
    assert.deepEqual(await collect(readDialListSource(fileSource(path))), list);
  });

  void test('reads the --cli-input-json shape', async () => {
    const path = await fixture('input.json', JSON.stringify({ InstanceId: 'i', ClientToken: 't', ContactDataRequestList: list }));
    assert.deepEqual(await collect(readDialListSource(fileSource(path))), list);
  });

  void test('refuses invalid JSON and other shapes', async () => {
    await rejectsWith(readDialListSource(fileSource(await fixture('broken.json', '[{"a":'))), 'path', 'not valid JSON');
    await rejectsWith(readDialListSource(fileSource(await fixture('object.json', '{"Contacts":[]}'))), 'path', 'ContactDataRequestList');
  });
});

void describe('jsonl', () => {
  void test('yields one entry per line, skips blank lines and marks malformed ones', async () => {
    const path = await fixture(
      'list.jsonl',
      ['{"RequestIdentifier":"l1","CustomerEndpoint":{"Address":"+14155550100"}}', '', '{"RequestIdentifier": "l2",', '  ', '{"RequestIdentifier":"l3"}', ''].join('\r\n'),
    );
    const entries = await collect(readDialListSource(fileSource(path)));
    assert.equal(entries.length, 3);
    assert.deepEqual(entries[0], { RequestIdentifier: 'l1', CustomerEndpoint: { Address: '+14155550100' } });
    const bad = entries[1];
    assert.ok(isMalformed(bad));
    assert.match(bad.__malformed, /^line 3: is not JSON: /);
    assert.deepEqual(entries[2], { RequestIdentifier: 'l3' });
    assert.equal(isMalformed(entries[2]), false);
  });
});

void describe('sources', () => {
  void test('format comes from the source, else the extension; unknown formats are refused', async () => {
    const path = await fixture('list.txt', '{"RequestIdentifier":"t1"}\n');
    await rejectsWith(readDialListSource(fileSource(path)), 'format', 'csv, json, jsonl');
    assert.deepEqual(await collect(readDialListSource(fileSource(path, { format: 'jsonl' }))), [{ RequestIdentifier: 't1' }]);
  });

  void test('relative paths resolve against baseDir', async () => {
    await fixture('relative.jsonl', '{"RequestIdentifier":"r1"}\n');
    assert.deepEqual(await collect(readDialListSource(fileSource('relative.jsonl'), { baseDir: dir })), [{ RequestIdentifier: 'r1' }]);
  });

  void test('a missing file fails with its path and a hint', async () => {
    const missing = join(dir, 'nope.csv');
    await rejectsWith(readDialListSource(fileSource(missing)), 'path', missing, "worker's working directory");
  });
});
