// Runs before `npm start` and `npm test` with nothing but Node itself: installs the npm
// packages on a fresh clone (or after package-lock.json changed). The Temporal CLI is
// installed later, on first use, by src/dev/temporal-cli.ts.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.connect-dialer-installed');
const want = createHash('sha256').update(readFileSync(lock)).digest('hex');

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
  console.error('connect-dialer: installing npm packages (first run or package-lock.json changed)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('connect-dialer: `npm install` failed; fix the error above and run the command again.');
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, want);
}
