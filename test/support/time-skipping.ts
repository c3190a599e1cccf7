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
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries([campaignIdKey, campaignStatusKey].map((key) => [key.name, INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return env;
}
