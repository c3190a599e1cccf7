import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where Debian's `chromium` package puts the browser. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for headless Chromium on a machine with a closed network: without the
 * background-networking ones Chromium keeps dialling Google's hosts at every start.
 * Add a fresh `--user-data-dir=…` per launch.
 */
export const headlessChromiumArgs: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const HOW_TO_INSTALL =
  "Install Chromium and run again: on Debian or Ubuntu `sudo apt-get install chromium`, elsewhere your system's Chromium or Chrome package; " +
  'or set CHROMIUM_PATH to the browser binary.';

/**
 * The path of a Chromium binary: CHROMIUM_PATH, then /usr/bin/chromium, then `chromium` on PATH.
 * When there is none and this process is root on Debian, installs Debian's `chromium` package
 * with apt-get (a few minutes on a clean machine); otherwise throws an error that says how to install it.
 */
export function ensureChromium(log: (line: string) => void = (line) => console.error(line)): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, which is not an executable file. ${HOW_TO_INSTALL}`);
    return fromEnv;
  }
  const found = findChromium();
  if (found) return found;
  if (!canInstallWithApt()) throw new Error(`Chromium was not found (looked at ${DEBIAN_CHROMIUM} and for \`chromium\` on PATH). ${HOW_TO_INSTALL}`);

  log("connect-dialer: Chromium not found; installing Debian's chromium package (apt-get update, then apt-get install chromium) …");
  aptGet(['update'], log);
  aptGet(['install', '-y', '--no-install-recommends', 'chromium'], log);
  const installed = findChromium();
  if (!installed) throw new Error(`apt-get installed chromium, but no binary was found at ${DEBIAN_CHROMIUM} or on PATH. ${HOW_TO_INSTALL}`);
  log(`connect-dialer: Chromium installed at ${installed}.`);
  return installed;
}

function findChromium(): string | undefined {
  if (isExecutable(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'chromium'))) return join(dir, 'chromium');
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function canInstallWithApt(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/etc/debian_version') && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

function aptGet(args: string[], log: (line: string) => void): void {
  log(`connect-dialer: apt-get ${args.join(' ')}`);
  // apt's output goes to stderr so it never mixes with a test reporter's stdout.
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.error) throw new Error(`apt-get ${args.join(' ')} could not run: ${result.error.message}. ${HOW_TO_INSTALL}`);
  if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with exit code ${String(result.status ?? result.signal)}. ${HOW_TO_INSTALL}`);
}
