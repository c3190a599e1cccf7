import { resolve } from 'node:path';
import type { Config } from '../config';
import { createCampaignStore, type CampaignStore } from './campaign-store';
import { openCampaignDatabase, type CampaignDatabase } from './database';

/** The campaign store the configuration names: DATABASE_URL, or the embedded store in the data folder. */
export async function openConfiguredStore(
  config: Pick<Config, 'DATABASE_URL' | 'CONNECT_DIALER_DATA_DIR'>,
  options: { maxConnections?: number; log?: (line: string) => void } = {},
): Promise<{ store: CampaignStore; database: CampaignDatabase }> {
  const database = await openCampaignDatabase({ databaseUrl: config.DATABASE_URL, dataDir: resolve(config.CONNECT_DIALER_DATA_DIR), ...options });
  return { store: createCampaignStore(database.pool), database };
}
