// The embedded store is private to its OS user (issue 22, item 3): its folder is 0700 and it
// is served on a Unix socket inside it, so another local user reaches neither its files nor
// the server, while the same user's other processes still find it with no set-up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCampaignDatabase, type CampaignDatabase } from '../src/storage/database';

/** The uid and gid of `nobody`, another local user than this test's. */
const NOBODY = 65534;

let dataDir: string;
let database: CampaignDatabase;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'connect-dialer-private-'));
  // As a data folder made under the usual umask (022): anyone may enter it.
  chmodSync(dataDir, 0o755);
  database = await openCampaignDatabase({ dataDir });
});
after(async () => {
  await database?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/**
 * Runs `script` under node as another OS user (setpriv), from a folder anyone may read. It
 * prints what happened; root (which these tests run as) bypasses file permissions, so the
 * check must be made as someone else.
 */
function asNobody(script: string): string {
  const run = spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', script], { cwd: '/', encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.error, undefined, `setpriv could not run: ${String(run.error)}`);
  return `${run.stdout}${run.stderr}`.trim();
}

/** Where the owner serves the store: what owner.json names (a port before issue 22, a socket folder now). */
async function endpoint(): Promise<{ port?: number; socketDir?: string }> {
  return JSON.parse(await readFile(join(dataDir, 'store', 'owner.json'), 'utf8')) as { port?: number; socketDir?: string };
}

describe('the embedded store is private to its OS user', () => {
  test('its folder is open to its owner only', () => {
    assert.equal(statSync(join(dataDir, 'store')).mode & 0o777, 0o700);
  });

  test('another OS user cannot connect to the server that holds the contact data', async () => {
    const where = await endpoint();
    const target = where.socketDir !== undefined ? { path: join(where.socketDir, '.s.PGSQL.5432') } : { host: '127.0.0.1', port: where.port };
    const outcome = asNobody(
      `const s = require('node:net').connect(${JSON.stringify(target)}); s.on('connect', () => { console.log('CONNECTED'); s.destroy(); }); s.on('error', (e) => console.log('REFUSED ' + e.code));`,
    );
    assert.match(outcome, /^REFUSED (EACCES|ENOENT|ECONNREFUSED)$/, `as uid ${NOBODY}: ${outcome}`);
  });

  test("another OS user cannot read the store's files", () => {
    const outcome = asNobody(
      `try { require('node:fs').readdirSync(${JSON.stringify(join(dataDir, 'store', 'pglite'))}); console.log('READ'); } catch (e) { console.log('REFUSED ' + e.code); }`,
    );
    assert.equal(outcome, 'REFUSED EACCES');
  });

  test('the same user reaches it from another process with no set-up', async () => {
    const second = await openCampaignDatabase({ dataDir });
    try {
      assert.match(second.description, /served by another process/);
      assert.equal((await second.pool.query<{ n: number }>('SELECT 1 AS n')).rows[0]?.n, 1);
    } finally {
      await second.close();
    }
  });

  test('a data folder whose socket path would be too long still works, its socket in a private temporary folder', async () => {
    const deep = join(dataDir, 'x'.repeat(60), 'y'.repeat(60));
    const db = await openCampaignDatabase({ dataDir: deep });
    try {
      assert.equal((await db.pool.query<{ n: number }>('SELECT 2 AS n')).rows[0]?.n, 2);
      const { socketDir } = JSON.parse(await readFile(join(deep, 'store', 'owner.json'), 'utf8')) as { socketDir: string };
      assert.ok(socketDir.startsWith(tmpdir()), socketDir);
      assert.equal(statSync(socketDir).mode & 0o777, 0o700);
    } finally {
      await db.close();
    }
  });
});
