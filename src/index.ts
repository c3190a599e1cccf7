// The public API of connect-dialer: what a service imports from 'connect-dialer'. Anything not
// exported here is internal; package.json `exports` keeps services from importing other paths.
// 'connect-dialer/client' (src/client-entry.ts) is the same without the campaign store.

export * from './client-entry';
export { openCampaignDatabase, type CampaignDatabase, type DatabaseOptions } from './storage/database';
export { createCampaignStore, type CampaignStore } from './storage/campaign-store';
