import { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer, type DevServer } from '../../src/dev/temporal-server';
import { refuseInUnitTests } from './unit-tests';

export type TestTemporal = TestWorkflowEnvironment & { address: string };

let shared: Promise<{ env: TestTemporal; server?: DevServer }> | undefined;

/**
 * The test run's Temporal dev server (started once by scripts/run-tests.ts and handed over
 * in TEMPORAL_ADDRESS). A file run on its own starts a server of its own instead.
 */
export function testTemporal(): Promise<TestTemporal> {
  refuseInUnitTests('the Temporal dev server');
  shared ??= (async () => {
    let address = process.env.TEMPORAL_ADDRESS;
    let server: DevServer | undefined;
    if (!address) {
      server = await startDevServer({ headless: true });
      address = server.address;
    }
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    return { env: Object.assign(env, { address }), server };
  })();
  return shared.then((s) => s.env);
}

export async function closeTestTemporal(): Promise<void> {
  if (!shared) return;
  const { env, server } = await shared;
  shared = undefined;
  await env.teardown();
  await server?.stop();
}
