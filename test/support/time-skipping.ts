import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTimeSkippingServer } from './time-skipping-server';
import { refuseInUnitTests } from './unit-tests';
import { campaignIdKey, campaignStatusKey } from '../../src/domain/search-attributes';

/**
 * A time-skipping Temporal test server of this test file's own: timers fire as soon as the
 * workflow waits on nothing else, so backoffs and pacing cost no wall time. The server is the
 * Java test server from Maven Central (test/support/time-skipping-server.ts), installed on first use;
 * the campaign's search attributes are registered on it as on the dev server.
 */
/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD; the proto package is not a dependency of ours. */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

export async function timeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  refuseInUnitTests('the Java time-skipping test server');
  const path = resolveTimeSkippingServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  await registerSearchAttributes(env);
  return env;
}

/**
 * The same server started by the test, which waits as long as its JVM needs to listen: the
 * SDK's own start gives it 5 s, too little on a busy machine. `stop` tears both down.
 */
export async function patientTimeSkippingTemporal(startupMs = 120_000): Promise<{ env: TestWorkflowEnvironment; stop(): Promise<void> }> {
  const path = resolveTimeSkippingServer();
  const port = await freePort();
  const server = spawn(path, [String(port)], { stdio: 'ignore' });
  const stopServer = (): void => {
    server.kill('SIGKILL');
  };
  try {
    await listening(port, startupMs);
    // create() is what createTimeSkipping calls after starting its own server.
    const create = (TestWorkflowEnvironment as unknown as { create(options: unknown): Promise<TestWorkflowEnvironment> }).create.bind(TestWorkflowEnvironment);
    const env = await create({ server: { type: 'existing' }, address: `127.0.0.1:${port}`, supportsTimeSkipping: true, namespace: 'default' });
    await registerSearchAttributes(env);
    return {
      env,
      async stop() {
        await env.teardown();
        stopServer();
      },
    };
  } catch (err) {
    stopServer();
    throw err;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function listening(port: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`the time-skipping test server did not listen on port ${port} within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries([campaignIdKey, campaignStatusKey].map((key) => [key.name, INDEXED_VALUE_TYPE_KEYWORD])),
  });
}
