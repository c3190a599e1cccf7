import { ConnectClient } from '@aws-sdk/client-connect';
import { ConnectCampaignsV2Client } from '@aws-sdk/client-connectcampaignsv2';
import type { Config } from './config';
import { instrumentConnectCalls } from './telemetry/connect-call-metrics';

/** The emulator accepts these; real AWS takes credentials from the default chain. */
export const emulatorCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

type ConnectConfig = Pick<Config, 'CONNECT_ENDPOINT' | 'AWS_REGION'>;

/** What both Connect clients share: region, endpoint (the emulator serves both APIs), credentials, bounded tries. */
function clientSettings(config: ConnectConfig) {
  const local = config.CONNECT_ENDPOINT !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(config.CONNECT_ENDPOINT);
  const explicitCredentials = process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE;
  return {
    region: config.AWS_REGION,
    endpoint: config.CONNECT_ENDPOINT,
    // A local emulator needs no real credentials; anything else uses the SDK's default chain.
    credentials: local && !explicitCredentials ? emulatorCredentials : undefined,
    // Each try of a call is bounded, so the SDK's 3 tries fit in the activity's 30 s start-to-close.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 8_000 },
  };
}

/** The one Amazon Connect client: real AWS by default, the emulator when CONNECT_ENDPOINT is set. */
export function createConnectClient(config: ConnectConfig): ConnectClient {
  const client = new ConnectClient(clientSettings(config));
  instrumentConnectCalls(client);
  return client;
}

/** The Outbound Campaigns v2 client (PutOutboundRequestBatch, GetCampaignState), set up the same way. */
export function createCampaignsV2Client(config: ConnectConfig): ConnectCampaignsV2Client {
  const client = new ConnectCampaignsV2Client(clientSettings(config));
  instrumentConnectCalls(client);
  return client;
}
