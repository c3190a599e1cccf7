import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { Client } from 'pg';
import { startPostgresServer } from './support/postgres-server';

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

void test('a throwaway PostgreSQL answers on a free port, and stop() closes the port and removes its data', async () => {
  const server = await startPostgresServer({ log: () => undefined });
  try {
    assert.equal(server.url, `postgres://dialer@127.0.0.1:${server.port}/dialer`);
    const [row] = await query<{ version: string }>(server.url, 'SELECT version()');
    assert.match(row?.version ?? '', /^PostgreSQL \d+/, `SELECT version() gave ${JSON.stringify(row)}`);
    assert.equal(await portAccepts(server.port), true, `nothing listens on ${server.port}`);
    assert.equal(existsSync(server.dataDir), true, `data dir ${server.dataDir} missing while running`);
  } finally {
    await server.stop();
  }
  assert.equal(await portAccepts(server.port), false, `port ${server.port} still open after stop()`);
  assert.equal(existsSync(server.dataDir), false, `data dir ${server.dataDir} left behind`);
  await server.stop(); // a second stop is a no-op, not an error
});

void test('the test runner hands every test file a database in TEST_DATABASE_URL', async () => {
  const url = process.env.TEST_DATABASE_URL;
  assert.ok(url, 'TEST_DATABASE_URL is not set; run the tests with `npm test`');
  assert.deepEqual(await query<{ one: number }>(url, 'SELECT 1 AS one'), [{ one: 1 }]);
});
