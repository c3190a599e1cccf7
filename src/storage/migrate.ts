import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';

/** The versioned schema: `<version>_<name>.sql` files, applied in version order, each once. */
const MIGRATIONS_DIR = join(__dirname, 'migrations');
const MIGRATION_FILE = /^(\d+)_([a-z0-9-]+)\.sql$/;
/** Any constant: every process that migrates takes this advisory lock first. */
const MIGRATION_LOCK = 7_241_865_325;

/**
 * Brings the database to the newest schema, each migration in its own transaction, and
 * records it in `connect_dialer_migrations`. Safe to run from every worker at once: they
 * queue on an advisory lock and skip what the table says is applied.
 *
 * Hand-written because node-pg-migrate 9 (ES module only) loads with no exports under the
 * tsx loader this project runs with; its SQL-file format is kept (`-- Up Migration`).
 */
export async function migrateCampaignStore(pool: Pool, log: (line: string) => void = () => undefined): Promise<string[]> {
  const migrations = await readMigrations();
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS connect_dialer_migrations (version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ version: string }>('SELECT version FROM connect_dialer_migrations');
    const done = new Set(rows.map((r) => Number(r.version)));
    const newest = Math.max(0, ...done);
    const known = new Set(migrations.map((m) => m.version));
    if ([...done].some((v) => !known.has(v))) {
      throw new Error(`the campaign store has schema version ${newest}, newer than this connect-dialer knows; upgrade connect-dialer`);
    }
    const applied: string[] = [];
    for (const m of migrations.filter((x) => !done.has(x.version))) {
      await client.query('BEGIN');
      try {
        await client.query(m.up);
        await client.query('INSERT INTO connect_dialer_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(`${m.version}_${m.name}`);
    }
    if (applied.length > 0) log(`campaign store: applied ${applied.join(', ')}`);
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

interface Migration {
  version: number;
  name: string;
  up: string;
}

async function readMigrations(): Promise<Migration[]> {
  const names = (await readdir(MIGRATIONS_DIR)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (file) => {
      const match = MIGRATION_FILE.exec(file);
      if (!match?.[1] || !match[2]) throw new Error(`migration file ${file} must be named <version>_<name>.sql`);
      const text = await readFile(join(MIGRATIONS_DIR, file), 'utf8');
      // Only the part before `-- Down Migration` is applied.
      const up = text.split(/^--\s*Down Migration\s*$/im)[0] ?? text;
      return { version: Number(match[1]), name: match[2], up };
    }),
  );
}
