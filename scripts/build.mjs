// `npm run build`: compiles src/ into lib/ (CommonJS JavaScript, .d.ts types, source maps with their
// sources inlined, since the package ships no src/), then copies what tsc does not: the SQL
// migrations the store applies and the scripts run as child processes (the workflow bundler, the
// embedded store's initdb).
// lib/ is emptied first, so a module deleted from src/ does not linger in the package.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lib = join(root, 'lib');

rmSync(lib, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('build: tsc failed; fix the errors above.');
  process.exit(tsc.status ?? 1);
}
cpSync(join(root, 'src', 'storage', 'migrations'), join(lib, 'storage', 'migrations'), { recursive: true });
cpSync(join(root, 'src', 'workflow-bundler.cjs'), join(lib, 'workflow-bundler.cjs'));
cpSync(join(root, 'src', 'storage', 'embedded-initdb.cjs'), join(lib, 'storage', 'embedded-initdb.cjs'));
