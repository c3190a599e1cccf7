// `npm test`: one Temporal dev server for the whole run (with its Web UI, for the UI test),
// handed to every test file through TEMPORAL_ADDRESS, and stopped at the end whatever happens.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startDevServer } from '../src/dev/temporal-server';

const root = join(__dirname, '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

async function main(): Promise<number> {
  const filter = process.argv.slice(2);
  const files = testFiles(join(root, 'test')).filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)));
  if (files.length === 0) {
    console.error(`no test files match ${filter.join(' ')}`);
    return 2;
  }
  console.error('Starting the Temporal dev server for this test run…');
  const server = await startDevServer({});
  console.error(`Temporal dev server at ${server.address} (UI ${server.uiUrl ?? 'off'})`);
  const stop = (): void => void server.stop().then(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter', 'spec', ...files.map((f) => relative(root, f))],
      {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: server.namespace, TEMPORAL_UI_URL: server.uiUrl ?? '' },
      },
    );
    return await new Promise<number>((resolveCode) => child.on('exit', (code, signal) => resolveCode(code ?? (signal ? 1 : 0))));
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
