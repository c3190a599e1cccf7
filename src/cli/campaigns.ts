import type { Client } from '@temporalio/client';
import { CampaignClient } from '../client';
import type { Config } from '../config';
import { connectTemporalClient } from '../temporal-connection';
import { startTracing } from '../telemetry/tracing';

/** Runs `use` with a CampaignClient for the configured Temporal, and closes the connection after. */
export async function withCampaigns<T>(config: Config, use: (campaigns: CampaignClient) => Promise<T>): Promise<T> {
  const tracing = startTracing(config, 'connect-dialer-cli');
  try {
    return await withClient(config, use);
  } finally {
    await tracing?.shutdown();
  }
}

async function withClient<T>(config: Config, use: (campaigns: CampaignClient) => Promise<T>): Promise<T> {
  let client: Client;
  try {
    client = await connectTemporalClient(config);
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${config.TEMPORAL_ADDRESS} (${(err as Error).message}); is it running? ` +
        'Start a local one with `npx connect-dialer dev`, or point --address / TEMPORAL_ADDRESS at yours.',
    );
  }
  try {
    return await use(new CampaignClient(client, { taskQueue: config.TEMPORAL_TASK_QUEUE }));
  } finally {
    await client.connection.close();
  }
}
