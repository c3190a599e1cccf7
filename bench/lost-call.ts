// What a Connect call lost with its worker costs: a BatchPutContact hangs on worker A
// (the emulator answers slowly), worker B is already polling, A is killed with SIGKILL;
// prints the seconds from the kill until B has taken the batch's retry.
//   npx tsx bench/lost-call.ts [--runs 3]
// Prints figures; asserts nothing.
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { CampaignClient } from '../src/client';
import { runBench, startBenchStack } from './bench-stack';
import { benchPhoneNumber } from './phone-numbers';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function main(): Promise<void> {
  const stack = await startBenchStack('lost-call');
  const { emulator, connection } = stack;
  const taskQueue = 'lost-call';
  const startWorker = (): ChildProcess => stack.spawnWorker(taskQueue);
  const campaigns = new CampaignClient(new Client({ connection }), { taskQueue });
  const costs: number[] = [];
  try {
    for (let run = 0; run < Number(values.runs); run++) {
      emulator.configure({ latencyMs: 120_000 });
      const a = startWorker();
      const campaignId = `lost-${Date.now()}`;
      await campaigns.start({
        campaignId,
        instanceId: 'bench-instance',
        defaults: { QueueId: 'queue-1', Campaign: { CampaignId: 'bench' }, OutboundStrategy: { Type: 'AGENT_FIRST' } },
        pacing: { batchSize: 25, batchesInFlight: 1, adaptive: false },
        dialList: {
          kind: 'inline',
          entries: Array.from({ length: 25 }, (_, i) => ({ RequestIdentifier: `r${i}`, CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: benchPhoneNumber(i) } })),
        },
      });
      const handle = campaigns.handle(campaignId);
      const batchOnA = async (): Promise<true | undefined> => {
        const d = await handle.describe();
        const started = (state: unknown): boolean => state === 2 || state === 'PENDING_ACTIVITY_STATE_STARTED';
        return d.raw.pendingActivities?.some((p) => p.activityType?.name === 'putContactBatch' && p.attempt === 1 && started(p.state)) ? true : undefined;
      };
      await until('the batch to start on worker A', batchOnA);
      const b = startWorker();
      await sleep(8_000); // B bundles its workflow code and polls before A dies
      emulator.configure({ latencyMs: 0 });
      a.kill('SIGKILL');
      const killedAt = Date.now();
      await until('the batch retry to be taken', async () => {
        const d = await handle.describe();
        const firstAttemptPending = d.raw.pendingActivities?.some((p) => p.activityType?.name === 'putContactBatch' && (p.attempt ?? 1) === 1);
        return firstAttemptPending ? undefined : true;
      });
      costs.push((Date.now() - killedAt) / 1000);
      await campaigns.result(campaignId);
      b.kill('SIGKILL');
    }
    const sorted = [...costs].sort((x, y) => x - y);
    console.log(JSON.stringify({ runs: costs.length, secondsFromKillToRetry: costs, median: sorted[Math.floor(sorted.length / 2)] }));
  } finally {
    await stack.stop();
  }
}

runBench(main);
