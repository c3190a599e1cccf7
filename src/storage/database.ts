import { join } from 'node:path';
import pg from 'pg';
import { openEmbeddedStore } from './embedded';
import { migrateCampaignStore } from './migrate';

/** A connection pool to the campaign store, migrated to the newest schema. */
export interface CampaignDatabase {
  pool: pg.Pool;
  /** For logs: `PostgreSQL at host:port/db` or `embedded PGlite in <dir>`. */
  description: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Any PostgreSQL (`DATABASE_URL`); absent means the embedded PGlite store under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** Connections in this process's pool. */
  maxConnections?: number;
  log?: (line: string) => void;
}

/** Where the embedded store keeps its files: `<data folder>/store`. */
function embeddedStoreDir(dataDir: string): string {
  return join(dataDir, 'store');
}

export async function openCampaignDatabase(options: DatabaseOptions): Promise<CampaignDatabase> {
  const log = options.log ?? (() => undefined);
  const max = options.maxConnections ?? 10;
  if (options.databaseUrl) {
    const pool = newPool(options.databaseUrl, max);
    try {
      await migrateCampaignStore(pool, log);
    } catch (err) {
      await pool.end();
      throw new Error(`the campaign store at ${databaseLocation(options.databaseUrl)} cannot be used: ${(err as Error).message}`, { cause: err });
    }
    return { pool, description: `PostgreSQL at ${databaseLocation(options.databaseUrl)}`, close: () => pool.end() };
  }
  const dir = embeddedStoreDir(options.dataDir);
  const embedded = await openEmbeddedStore(dir, async (url) => {
    const pool = newPool(url, 1);
    try {
      await migrateCampaignStore(pool, log);
    } finally {
      await pool.end();
    }
  });
  const pool = newPool(embedded.url, max);
  return {
    pool,
    description: `embedded PGlite in ${dir}${embedded.owner ? '' : ' (served by another process)'}`,
    async close() {
      await pool.end();
      await embedded.close();
    },
  };
}

function newPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000 });
  // An idle connection that breaks (the server restarted) is dropped and replaced; without a
  // listener its error would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Where the database is (host and name), for messages: never its user or password. */
function databaseLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
