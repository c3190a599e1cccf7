import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialListSourceSchema, type DialListSource } from '../src/domain/campaign';
import { DialListError, isMalformed, readDialListSource } from '../src/activities/dial-list-reader';

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

async function fixture(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

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
    assert.deepEqual(await collect(readDialListSource(fileSource(phone))), [
      { RequestIdentifier: 'x', CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+442071838750' } },
    ]);
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

  void test('a row with more fields than the header becomes a malformed marker; a short row is fine', async () => {
    const path = await fixture('ragged.csv', 'PhoneNumber,Name\n+14155550100,A,extra\n+14155550101\n');
    const [first, second] = await collect(readDialListSource(fileSource(path)));
    assert.ok(isMalformed(first));
    assert.match(first.__malformed, /^data row 1: has 3 fields but the header has 2 columns$/);
    assert.deepEqual(second, { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: '+14155550101' } });
  });

  void test('broken quoting fails the list with a DialListError', async () => {
    const path = await fixture('badquote.csv', 'PhoneNumber,Name\n+14155550100,"unterminated\n');
    await rejectsWith(readDialListSource(fileSource(path)), 'path', 'not valid CSV');
  });

  void test('an empty CSV and repeated column names are refused', async () => {
    await rejectsWith(readDialListSource(fileSource(await fixture('empty.csv', ''))), 'path', 'header row');
    const twice = await fixture('twice.csv', 'PhoneNumber,Name,Name\n+14155550100,a,b\n');
    await rejectsWith(readDialListSource(fileSource(twice)), 'columns', '"Name"');
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
      ['{"RequestIdentifier":"l1","CustomerEndpoint":{"Address":"+14155550100"}}', '', '{"RequestIdentifier": "l2",', '  ', '{"RequestIdentifier":"l3"}', ''].join(
        '\r\n',
      ),
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
