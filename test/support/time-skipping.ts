import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTimeSkippingServer } from '../../src/dev/time-skipping-server';

/**
 * A time-skipping Temporal test server of this test file's own: timers fire as soon as the
 * workflow waits on nothing else, so backoffs and pacing cost no wall time. The server is the
 * Java test server from Maven Central (src/dev/time-skipping-server.ts), installed on first use.
 */
export function timeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  const path = resolveTimeSkippingServer();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
}
