// `npm test`: the quality gates (typecheck, lint, formatting) first, then one Temporal dev server for the
// whole run (with its Web UI, for the UI test) and one throwaway PostgreSQL server, handed to
// every test file through TEMPORAL_ADDRESS and TEST_DATABASE_URL, and both stopped at the end
// whatever happens. `npm test -- <part of a file name>` runs only those files, without the gates.
// `npm run test:unit` (--unit) runs the files of unitTestFiles alone: no server, no gates, seconds.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startPostgresServer } from '../test/support/postgres-server';
import { startDevServer } from '../src/dev/temporal-server';

const root = join(__dirname, '..');

/**
 * Test files that need no Temporal server, PostgreSQL, Java (time-skipping), pip (botocore)
 * or apt (Chromium): `npm run test:unit` runs them in seconds. The test supports that start
 * those refuse to under CONNECT_DIALER_UNIT_TESTS, so a file listed here by mistake fails.
 * replay.test.ts needs no server either, but bundling the workflows takes it 10–30 s: it stays
 * in `npm test -- replay`.
 */
const unitTestFiles = [
  'activity-heartbeats.test.ts',
  'call-disposition.test.ts',
  'calling-clock.test.ts',
  'compose.test.ts',
  'dial-list.test.ts',
  'domain-input-checks.test.ts',
  'domain.test.ts',
  'emulator-campaigns-v2.test.ts',
  'emulator-contact-events.test.ts',
  'emulator-faults.test.ts',
  'emulator-phone-number-arn.test.ts',
  'emulator.test.ts',
  'lint-boundaries.test.ts',
  'payload-codec.test.ts',
  'readme.test.ts',
];

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

/** Runs a gate (an npm script) and answers whether it passed; its output goes to the terminal. */
function gate(script: string): Promise<boolean> {
  console.error(`npm test: ${script}…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  return new Promise((resolveGate) => child.on('exit', (code) => resolveGate(code === 0)));
}

/** Runs the test files with node's test runner (through tsx) and answers its exit code. */
function runFiles(files: string[], env: NodeJS.ProcessEnv, runnerFlags: readonly string[] = []): Promise<number> {
  // Backstops, so that a hang fails a test instead of the whole run's time limit: a test with no
  // timeout of its own fails after 25 min (the longest takes 6), and a file whose tests are done
  // exits even if something it started (a child process, a socket) is left open.
  const backstops = ['--test-force-exit', ...(runnerFlags.some((f) => f.startsWith('--test-timeout')) ? [] : [`--test-timeout=${25 * 60_000}`])];
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', 'spec', ...backstops, ...runnerFlags, ...files.map((f) => relative(root, f))], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  return new Promise<number>((resolveCode) => child.on('exit', (code, signal) => resolveCode(code ?? (signal ? 1 : 0))));
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unit = args.includes('--unit');
  // `--test-name-pattern=<re>` and node's other `--test-…` flags go to the test runner.
  const runnerFlags = args.filter((a) => a.startsWith('--test-'));
  const filter = args.filter((a) => a !== '--unit' && !a.startsWith('--test-'));
  const files = testFiles(join(root, 'test'))
    .filter((f) => !unit || unitTestFiles.includes(relative(join(root, 'test'), f)))
    .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)));
  if (files.length === 0) {
    console.error(`no ${unit ? 'unit ' : ''}test files match ${filter.join(' ')}`);
    return 2;
  }
  if (unit) {
    const { TEMPORAL_ADDRESS: _address, TEST_DATABASE_URL: _database, ...env } = process.env;
    return runFiles(files, { ...env, CONNECT_DIALER_UNIT_TESTS: '1' }, runnerFlags);
  }
  if (filter.length === 0) {
    // A type or lint error fails the run before any test: tsx runs the tests without type-checking.
    for (const script of ['typecheck', 'lint', 'format:check']) {
      if (!(await gate(script))) {
        console.error(`npm test: ${script} failed; fix the errors above (run \`npm run ${script}\`).`);
        return 1;
      }
    }
  }
  console.error('Starting the Temporal dev server and PostgreSQL for this test run…');
  // allSettled, so that when one fails to start the other is still stopped.
  const [temporal, postgres] = await Promise.allSettled([startDevServer({}), startPostgresServer()]);
  if (temporal.status === 'rejected' || postgres.status === 'rejected') {
    await Promise.all([temporal, postgres].map((s) => (s.status === 'fulfilled' ? s.value.stop() : Promise.resolve())));
    throw temporal.status === 'rejected' ? temporal.reason : (postgres as PromiseRejectedResult).reason;
  }
  const server = temporal.value;
  const database = postgres.value;
  console.error(`Temporal dev server at ${server.address} (UI ${server.uiUrl ?? 'off'})`);
  console.error(`PostgreSQL ${database.version.split(' ')[0]} at ${database.url}`);
  const stopAll = (): Promise<void> => Promise.all([server.stop(), database.stop()]).then(() => undefined);
  const stop = (): void => void stopAll().then(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runFiles(
      files,
      {
        ...process.env,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: server.namespace,
        TEMPORAL_UI_URL: server.uiUrl ?? '',
        TEST_DATABASE_URL: database.url,
      },
      runnerFlags,
    );
  } finally {
    await stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
