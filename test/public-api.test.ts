// A service imports connect-dialer by its package name; package.json `exports` decides what it can reach.
// These tests install the repository the way npm links a local dependency (node_modules/connect-dialer
// is a symlink to it) in a throwaway folder and run Node there, as a service would, through tsx.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = join(__dirname, '..');
// The service has no tsx of its own: load this repository's, by file URL.
const tsxLoader = pathToFileURL(require.resolve('tsx', { paths: [root] })).href;
const expectedExports = [
  'CampaignClient',
  'CampaignInputError',
  'CampaignStalledError',
  'CampaignAlreadyRanError',
  'DeflectionUnansweredError',
  'campaignSpecSchema',
  'outcomeRecordSchema',
  'progressSchema',
  'campaignResultSchema',
  'deflectRequestSchema',
  'openCampaignDatabase',
  'createCampaignStore',
];

let service: string;

/** Runs one file of the service with Node and tsx; answers its stdout, or its stderr when it fails. */
async function runService(file: string, source: string): Promise<{ ok: boolean; output: string }> {
  writeFileSync(join(service, file), source);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsxLoader, file], { cwd: service, timeout: 60_000 });
    return { ok: true, output: stdout.trim() };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { ok: false, output: e.stderr ?? e.message };
  }
}

describe('the public API, imported by package name', () => {
  before(() => {
    service = mkdtempSync(join(tmpdir(), 'connect-dialer-service-'));
    mkdirSync(join(service, 'node_modules'));
    symlinkSync(root, join(service, 'node_modules', 'connect-dialer'), 'dir');
  });
  after(() => rmSync(service, { recursive: true, force: true }));

  test('an ES module service gets the client, the schemas and the store from "connect-dialer"', async () => {
    const run = await runService(
      'service.mjs',
      `import * as dialer from 'connect-dialer';
       import { CampaignClient, campaignSpecSchema } from 'connect-dialer';
       console.log(JSON.stringify({ names: Object.keys(dialer), client: typeof CampaignClient, parse: typeof campaignSpecSchema.safeParse }));`,
    );
    assert.ok(run.ok, `the service failed:\n${run.output}`);
    const seen = JSON.parse(run.output) as { names: string[]; client: string; parse: string };
    const missing = expectedExports.filter((name) => !seen.names.includes(name));
    assert.deepEqual(missing, [], `missing from 'connect-dialer': ${missing.join(', ')}; it exports ${seen.names.join(', ')}`);
    assert.equal(seen.client, 'function');
    assert.equal(seen.parse, 'function');
  });

  test('a CommonJS service gets the same exports with require', async () => {
    const run = await runService('service.cjs', `console.log(Object.keys(require('connect-dialer')).join(','));`);
    assert.ok(run.ok, `the service failed:\n${run.output}`);
    const missing = expectedExports.filter((name) => !run.output.split(',').includes(name));
    assert.deepEqual(missing, [], `missing from require('connect-dialer'): ${missing.join(', ')}`);
  });

  test('a deep import of a path outside `exports` fails with ERR_PACKAGE_PATH_NOT_EXPORTED', async () => {
    for (const [file, source] of [
      ['deep.mjs', `await import('connect-dialer/src/client');`],
      ['deep.cjs', `require('connect-dialer/src/storage/database.ts');`],
    ] as const) {
      const run = await runService(file, source);
      assert.ok(!run.ok, `${file}: the deep import loaded; exports does not gate it`);
      assert.match(run.output, /ERR_PACKAGE_PATH_NOT_EXPORTED/, `${file} failed for another reason:\n${run.output}`);
    }
  });

  test('package.json stays reachable for tools that read the version', async () => {
    const run = await runService('version.cjs', `console.log(require('connect-dialer/package.json').version);`);
    assert.ok(run.ok, run.output);
    assert.match(run.output, /^\d+\.\d+\.\d+/);
  });
});
