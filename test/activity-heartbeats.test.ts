// Every activity heartbeats while it runs, so one on a worker that died is taken over within
// the workflow's heartbeat timeout (src/workflows/activity-proxies.ts): the store work the
// dispatch loop waits for included, not only the Connect calls.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../src/activities';
import type { CampaignStore } from '../src/storage/campaign-store';

const queues = { batchPutContact: 'q', outboundRequests: 'q', chat: 'q' };

describe('activity heartbeats', () => {
  test('a store activity that takes 2.5 s heartbeats while it runs', async () => {
    const store = {
      waitingSummary: async () => {
        await sleep(2_500);
        return { entries: 0, nextDueAt: undefined };
      },
    } as unknown as CampaignStore;
    const activities = createActivities({ connect: {} as never, store, connectQueues: queues });
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await env.run((input: { campaignKey: string }) => activities.waitingEntries(input), { campaignKey: 'c' });
    assert.ok(beats >= 2, `${beats} heartbeats in 2.5 s`);
  });
});
