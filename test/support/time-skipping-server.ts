import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * The Temporal test server (time-skipping) this project is tested with: the Java SDK's
 * `io.temporal:temporal-test-server` on Maven Central. The SDK would download its native
 * build from temporal.download; Maven Central is reachable wherever npm and PyPI are.
 */
const TEST_SERVER_VERSION = '1.38.0';
/** Used only when `mvn` is not on PATH: the Apache Maven distribution, also from Maven Central. */
const MAVEN_VERSION = '3.9.9';
/** The plugin that copies the test server's runtime dependencies, pinned so the install is reproducible. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';

const projectRoot = resolve(__dirname, '..', '..');
const toolsDir = join(projectRoot, '.tools');
const localTestServerDir = join(toolsDir, `temporal-test-server-${TEST_SERVER_VERSION}`);
const windows = process.platform === 'win32';
const launcherName = windows ? 'temporal-test-server.cmd' : 'temporal-test-server';

/**
 * The path of an executable that runs the time-skipping test server, for
 * `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })`,
 * which runs it with the port as its first argument. TEMPORAL_TEST_SERVER wins; otherwise the
 * project-local launcher, installed on first use into `.tools/` (git-ignored): the jar and its
 * dependencies from Maven Central, resolved by Maven, and a script that runs them with `java`.
 */
export function resolveTimeSkippingServer(log: (line: string) => void = (l) => console.error(l)): string {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_TEST_SERVER is set to ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  requireJava();
  const launcher = join(localTestServerDir, launcherName);
  if (existsSync(launcher)) return launcher;
  install(log);
  return launcher;
}

function javaCommand(): string {
  const home = process.env.JAVA_HOME;
  return home ? join(home, 'bin', windows ? 'java.exe' : 'java') : 'java';
}

function requireJava(): void {
  const probe = spawnSync(javaCommand(), ['-version'], { stdio: 'ignore' });
  if (probe.status !== 0) {
    throw new Error(
      `The workflow tests need a Java runtime (11 or newer) for the Temporal test server, and \`${javaCommand()} -version\` failed. ` +
        'Install a JDK or JRE (apt-get install default-jre-headless, brew install openjdk) or set JAVA_HOME; ' +
        'or set TEMPORAL_TEST_SERVER to a temporal-test-server executable.',
    );
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const candidate of windows ? [`${name}.cmd`, `${name}.exe`] : [name]) {
      if (dir && existsSync(join(dir, candidate))) return join(dir, candidate);
    }
  }
  return undefined;
}

function install(log: (line: string) => void): void {
  const started = Date.now();
  log(`connect-dialer: installing the Temporal test server ${TEST_SERVER_VERSION} (Maven Central io.temporal:temporal-test-server) into ${localTestServerDir} …`);
  mkdirSync(toolsDir, { recursive: true });
  const work = mkdtempSync(join(toolsDir, 'temporal-test-server-install-'));
  try {
    const mvn = findOnPath('mvn') ?? installMaven(work, log);
    // A throwaway project whose one dependency is the test server: Maven resolves the rest.
    writeFileSync(
      join(work, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>connect-dialer.tools</groupId><artifactId>temporal-test-server-install</artifactId><version>0</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`,
    );
    const target = join(work, 'server');
    execFileSync(
      mvn,
      [
        '-B',
        '-q',
        '-f',
        join(work, 'pom.xml'),
        `-Dmaven.repo.local=${join(work, 'repository')}`,
        `${DEPENDENCY_PLUGIN}:copy-dependencies`,
        '-DincludeScope=runtime',
        `-DoutputDirectory=${join(target, 'lib')}`,
      ],
      // Maven's output is shown only when it fails (it prints colour resets even with -q).
      { stdio: ['ignore', 'pipe', 'pipe'], shell: windows },
    );
    // The port comes first, as the SDK passes it; JAVA_HOME is read when it runs, not now.
    const script = windows
      ? `@echo off\r\nif defined JAVA_HOME (set "JAVA=%JAVA_HOME%\\bin\\java") else (set "JAVA=java")\r\n"%JAVA%" -cp "%~dp0lib\\*" io.temporal.testserver.TestServer %*\r\n`
      : `#!/bin/sh\nexec "\${JAVA_HOME:+$JAVA_HOME/bin/}java" -cp "$(dirname "$0")/lib/*" io.temporal.testserver.TestServer "$@"\n`;
    writeFileSync(join(target, launcherName), script);
    chmodSync(join(target, launcherName), 0o755);
    // Renamed into place whole, so a run that stops halfway leaves nothing that looks installed.
    rmSync(localTestServerDir, { recursive: true, force: true });
    renameSync(target, localTestServerDir);
  } catch (err) {
    const output = (err as { stdout?: Buffer }).stdout?.toString().trim().slice(-2000);
    throw new Error(
      `Could not install the Temporal test server from Maven Central (${(err as Error).message}${output ? `\n${output}` : ''}). ` +
        'Set TEMPORAL_TEST_SERVER to a temporal-test-server executable (the SDK release, or a script running io.temporal.testserver.TestServer).',
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`connect-dialer: Temporal test server ${TEST_SERVER_VERSION} installed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

/** Apache Maven from Maven Central into `.tools/`, for machines without `mvn`; answers its `mvn`. */
function installMaven(work: string, log: (line: string) => void): string {
  const home = join(toolsDir, `apache-maven-${MAVEN_VERSION}`);
  const mvn = join(home, 'bin', windows ? 'mvn.cmd' : 'mvn');
  if (existsSync(mvn)) return mvn;
  log(`connect-dialer: no mvn on PATH; installing Apache Maven ${MAVEN_VERSION} from Maven Central into ${home} …`);
  const archive = join(work, `apache-maven-${MAVEN_VERSION}-bin.tar.gz`);
  execFileSync('curl', ['-fsSL', '-o', archive, `${MAVEN_CENTRAL}/org/apache/maven/apache-maven/${MAVEN_VERSION}/apache-maven-${MAVEN_VERSION}-bin.tar.gz`], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  execFileSync('tar', ['-xzf', archive, '-C', work]);
  renameSync(join(work, `apache-maven-${MAVEN_VERSION}`), home);
  return mvn;
}
