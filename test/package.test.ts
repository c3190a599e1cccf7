// The package as a service gets it: `npm pack` (which builds lib/), the tarball installed into a
// throwaway plain-Node project with `npm install`, and the service run with plain `node` — no tsx,
// no TypeScript — against this test's Temporal server and Connect emulator, with the package's own
// compiled worker (lib/worker.js, what the image runs) bundling the compiled workflows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { testTemporal } from './support/temporal';

const root = join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = promisify(execFile);

/** Modules 'connect-dialer/client' must not load: the store's drivers, the emulator, the worker, the dev tools, the CLI. */
const heavy = [
  /[\\/]@electric-sql[\\/]/,
  /[\\/]node_modules[\\/]pg[\\/]/,
  /[\\/]@temporalio[\\/]worker[\\/]/,
  /[\\/]connect-dialer[\\/]lib[\\/]((emulator|dev|cli|activities)[\\/]|(cli|worker|worker-launch)\.js|storage[\\/](database|embedded|campaign-store)\.js)/,
];

let work: string;
let service: string;
let tarball: string;
let stack: Stack;
let address: string;
let worker: ChildProcess | undefined;
let workerLog = '';
/** The task queue of the packaged worker. */
const taskQueue = `package-${randomUUID()}`;

/** Runs one file of the service with plain Node; answers its stdout, or its stderr when it fails. */
async function runService(file: string, source: string, env: Record<string, string> = {}): Promise<{ ok: boolean; output: string }> {
  writeFileSync(join(service, file), source);
  try {
    const { stdout } = await run(process.execPath, [file], { cwd: service, timeout: 120_000, env: { PATH: process.env.PATH ?? '', ...env } });
    return { ok: true, output: stdout.trim() };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { ok: false, output: e.stderr || e.message };
  }
}

/** A service's campaign: 30 inline entries, started and awaited through the packaged client. */
function campaignEnv(campaignId: string): Record<string, string> {
  const spec = { campaignId, instanceId: 'instance-1', defaults: campaignDefaults, dialList: { kind: 'inline', entries: Array.from({ length: 30 }, (_, i) => entry(i)) } };
  return { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default', TASK_QUEUE: taskQueue, SPEC: JSON.stringify(spec) };
}

interface ServiceRun {
  status: string;
  total: number;
  created: number;
  exports: string[];
  heavyLoaded: string[];
}

function parseRun(output: string): ServiceRun {
  return JSON.parse(output.split('\n').pop() ?? '') as ServiceRun;
}

describe('the packed package, installed into a plain Node project', { timeout: 600_000 }, () => {
  before(
    async () => {
      stack = await startStack();
      address = (await testTemporal()).address;
      work = mkdtempSync(join(tmpdir(), 'connect-dialer-package-'));
      // prepack builds lib/ first: the tarball holds the compiled code of this checkout.
      await run(npm, ['pack', '--pack-destination', work], { cwd: root, timeout: 300_000 });
      const packed = readdirSync(work).find((f) => f.endsWith('.tgz'));
      assert.ok(packed, `npm pack left no tarball in ${work}`);
      tarball = join(work, packed);
      service = join(work, 'service');
      await run('mkdir', [service]);
      writeFileSync(join(service, 'package.json'), JSON.stringify({ name: 'a-service', version: '1.0.0', private: true }));
      // Dependencies come from the npm registry (or npm's cache); no devDependency, so no tsx.
      await run(npm, ['install', tarball, '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: service, timeout: 400_000 });
      // The image's command (Dockerfile CMD), from the installed package.
      worker = spawn(process.execPath, ['--max-old-space-size=256', join(service, 'node_modules', 'connect-dialer', 'lib', 'worker.js')], {
        cwd: service,
        env: {
          PATH: process.env.PATH ?? '',
          TEMPORAL_ADDRESS: address,
          TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
          TEMPORAL_TASK_QUEUE: taskQueue,
          AWS_REGION: stack.region,
          CONNECT_ENDPOINT: stack.emulator.url,
          CONNECT_DIALER_DATA_DIR: stack.dataDir,
          DATABASE_URL: stack.testStore.databaseUrl ?? '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const keep = (chunk: Buffer): void => void (workerLog = (workerLog + chunk.toString()).slice(-4000));
      worker.stdout?.on('data', keep);
      worker.stderr?.on('data', keep);
    },
    { timeout: 600_000 },
  );
  after(async () => {
    worker?.kill('SIGTERM');
    await stack?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tarball holds the compiled code, its types and the command, and no sources, tests, benches or tools', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    for (const needed of [
      'package/lib/index.js',
      'package/lib/index.d.ts',
      'package/lib/client-entry.js',
      'package/lib/client-entry.d.ts',
      'package/lib/worker.js',
      'package/lib/cli.js',
      'package/lib/workflow-bundler.cjs',
      'package/lib/storage/embedded-initdb.cjs',
      'package/bin/connect-dialer.cjs',
    ]) {
      assert.ok(files.includes(needed), `the tarball lacks ${needed}`);
    }
    assert.ok(
      files.some((f) => f.startsWith('package/lib/storage/migrations/') && f.endsWith('.sql')),
      'the tarball lacks the store migrations',
    );
    const unwanted = files.filter((f) => /^package\/(src|test|bench|scripts|\.tools|deploy)\//.test(f) || f.endsWith('.ts') !== f.endsWith('.d.ts'));
    assert.deepEqual(unwanted, [], `the tarball holds what a consumer does not need: ${unwanted.slice(0, 10).join(', ')}`);
    assert.ok(!existsSync(join(service, 'node_modules', 'tsx')), 'tsx was installed with the package: it is a runtime dependency again');
  });

  test('a CommonJS service starts a campaign with require("connect-dialer/client") and reads its result, loading no store, emulator, worker or dev tools', async () => {
    const campaignId = uniqueCampaignId('pkg-cjs');
    const out = await runService(
      'service.cjs',
      `const { Client, Connection } = require('@temporalio/client');
       const dialer = require('connect-dialer/client');
       (async () => {
         const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
         const campaigns = new dialer.CampaignClient(new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE }), { taskQueue: process.env.TASK_QUEUE });
         const spec = dialer.campaignSpecSchema.parse(JSON.parse(process.env.SPEC));
         await campaigns.start(spec);
         const result = await campaigns.result(spec.campaignId);
         await connection.close();
         const heavy = [${heavy.map((r) => r.toString()).join(', ')}];
         const heavyLoaded = Object.keys(require.cache).filter((m) => heavy.some((r) => r.test(m)));
         console.log(JSON.stringify({ status: result.status, total: result.total, created: result.outcomes.CREATED, exports: Object.keys(dialer), heavyLoaded }));
       })().catch((err) => { console.error(err); process.exit(1); });`,
      campaignEnv(campaignId),
    );
    assert.ok(out.ok, `the service failed:\n${out.output}\nthe packaged worker's last output:\n${workerLog}`);
    const seen = parseRun(out.output);
    assert.deepEqual({ status: seen.status, total: seen.total, created: seen.created }, { status: 'COMPLETED', total: 30, created: 30 });
    assert.deepEqual(seen.heavyLoaded, [], `'connect-dialer/client' loaded ${seen.heavyLoaded.join(', ')}`);
    for (const name of [
      'CampaignClient',
      'CampaignInputError',
      'CampaignStalledError',
      'CampaignAlreadyRanError',
      'DeflectionUnansweredError',
      'campaignSpecSchema',
      'progressSchema',
      'campaignResultSchema',
    ]) {
      assert.ok(seen.exports.includes(name), `'connect-dialer/client' does not export ${name}; it exports ${seen.exports.join(', ')}`);
    }
  });

  test('an ES module service imports { CampaignClient } from "connect-dialer", starts a campaign and reads its result', async () => {
    const campaignId = uniqueCampaignId('pkg-esm');
    const out = await runService(
      'service.mjs',
      `import { Client, Connection } from '@temporalio/client';
       import * as dialer from 'connect-dialer';
       import { CampaignClient } from 'connect-dialer';
       const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
       const campaigns = new CampaignClient(new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE }), { taskQueue: process.env.TASK_QUEUE });
       const spec = JSON.parse(process.env.SPEC);
       await campaigns.start(spec);
       const result = await campaigns.result(spec.campaignId);
       await connection.close();
       console.log(JSON.stringify({ status: result.status, total: result.total, created: result.outcomes.CREATED, exports: Object.keys(dialer), heavyLoaded: [] }));`,
      campaignEnv(campaignId),
    );
    assert.ok(out.ok, `the service failed:\n${out.output}\nthe packaged worker's last output:\n${workerLog}`);
    const seen = parseRun(out.output);
    assert.deepEqual({ status: seen.status, total: seen.total, created: seen.created }, { status: 'COMPLETED', total: 30, created: 30 });
    for (const name of ['CampaignClient', 'campaignSpecSchema', 'outcomeRecordSchema', 'openCampaignDatabase', 'createCampaignStore']) {
      assert.ok(seen.exports.includes(name), `'connect-dialer' does not export ${name} to an ES module; it exports ${seen.exports.join(', ')}`);
    }
  });

  test('a deep import of a path outside `exports` fails with ERR_PACKAGE_PATH_NOT_EXPORTED', async () => {
    for (const [file, source] of [
      ['deep.mjs', `await import('connect-dialer/lib/storage/database.js');`],
      ['deep.cjs', `require('connect-dialer/lib/client');`],
    ] as const) {
      const out = await runService(file, source);
      assert.ok(!out.ok, `${file}: the deep import loaded; exports does not gate it`);
      assert.match(out.output, /ERR_PACKAGE_PATH_NOT_EXPORTED/, `${file} failed for another reason:\n${out.output}`);
    }
  });

  test('the installed command runs the compiled code with plain Node', async () => {
    const out = await runService('version.cjs', `console.log(require('connect-dialer/package.json').version);`);
    assert.ok(out.ok, out.output);
    const { stdout } = await run(process.execPath, [join(service, 'node_modules', '.bin', 'connect-dialer'), '--version'], { cwd: service, env: { PATH: process.env.PATH ?? '' } });
    assert.equal(stdout.trim(), out.output);
  });
});
