import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createCampaignWorker, type CampaignWorker } from '../src/worker';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { eventually } from './support/eventually';
import { testTemporal } from './support/temporal';

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

void describe('Temporal Worker Versioning', () => {
  void test('a worker with a deployment name polls as its version; a campaign started on it runs AUTO_UPGRADE on that build and completes', async () => {
    const env = await testTemporal();
    const namespace = env.namespace ?? 'default';
    const taskQueue = `versioned-${randomUUID()}`;
    const deploymentName = `connect-dialer-${randomUUID().slice(0, 8)}`;
    const worker: CampaignWorker = await createCampaignWorker({
      connection: env.nativeConnection,
      namespace,
      taskQueue,
      region: stack.region,
      rates: { batchPutContact: 100, outboundRequests: 100, chat: 100 },
      dependencies: { connect: stack.connect, store: stack.store },
      version: { deploymentName, buildId: 'build-1' },
    });
    const running = worker.run();
    try {
      // The version exists once its workers poll; then it is made current, as a release does.
      await eventually(
        'the deployment version to be current',
        async () => {
          await env.client.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId: 'build-1' });
          return true;
        },
        { retryErrors: true, intervalMs: 200 },
      );
      const { CampaignClient } = await import('../src/client');
      const campaigns = new CampaignClient(env.client, { taskQueue, store: stack.store });
      const campaignId = uniqueCampaignId('versioned');
      await campaigns.start({
        campaignId,
        instanceId: 'instance-1',
        defaults: campaignDefaults,
        dialList: { kind: 'inline', entries: Array.from({ length: 30 }, (_, i) => entry(i, { RequestIdentifier: `${campaignId}-${i}` })) },
      });
      const result = await campaigns.result(campaignId);
      assert.equal(result.status, 'COMPLETED');
      assert.equal(result.outcomes.CREATED, 30);
      const description = await campaigns.handle(campaignId).describe();
      const info = description.raw.workflowExecutionInfo?.versioningInfo;
      assert.equal(info?.deploymentVersion?.buildId, 'build-1', JSON.stringify(info));
      assert.equal(info?.deploymentVersion?.deploymentName, deploymentName);
      // AUTO_UPGRADE (temporal.api.enums.v1.VersioningBehavior = 2): a running campaign follows new versions.
      assert.equal(info?.behavior, 2, 'the workflow declares AUTO_UPGRADE');
    } finally {
      worker.shutdown();
      await running;
    }
  });
});
