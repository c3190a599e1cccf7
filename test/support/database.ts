import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createCampaignStore, type CampaignStore } from '../../src/storage/campaign-store';
import { openCampaignDatabase, type CampaignDatabase } from '../../src/storage/database';
import { refuseInUnitTests } from './unit-tests';

export type StoreKind = 'postgres' | 'pglite';

export interface TestStore {
  kind: StoreKind;
  store: CampaignStore;
  database: CampaignDatabase;
  /** DATABASE_URL for another process (PostgreSQL), or the data folder of the embedded store. */
  databaseUrl?: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A campaign store of its own for a test: a fresh database on the run's PostgreSQL server
 * (TEST_DATABASE_URL, started by scripts/run-tests.ts) or a fresh embedded PGlite store.
 */
export async function openTestStore(kind: StoreKind = 'postgres'): Promise<TestStore> {
  refuseInUnitTests(kind === 'postgres' ? 'PostgreSQL' : 'a campaign store');
  const dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-test-'));
  const databaseUrl = kind === 'postgres' ? await createTestDatabase() : undefined;
  const database = await openCampaignDatabase({ databaseUrl, dataDir });
  return {
    kind,
    store: createCampaignStore(database.pool),
    database,
    databaseUrl,
    dataDir,
    async close() {
      await database.close();
      if (databaseUrl) await dropTestDatabase(databaseUrl);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function createTestDatabase(): Promise<string> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`, which starts PostgreSQL');
  const name = `test_${randomUUID().replace(/-/g, '')}`;
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropTestDatabase(databaseUrl: string): Promise<void> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return;
  const name = new URL(databaseUrl).pathname.slice(1);
  await withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

async function withAdmin(serverUrl: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
