import { ConnectClient } from '@aws-sdk/client-connect';
import { ConnectCampaignsV2Client } from '@aws-sdk/client-connectcampaignsv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Config } from './config';
import { instrumentConnectCalls, reportCredentialErrors } from './telemetry/connect-call-metrics';

/** The emulator accepts these; real AWS takes credentials from the default chain. */
export const emulatorCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

type ConnectConfig = Pick<Config, 'CONNECT_ENDPOINT' | 'AWS_REGION'>;

/**
 * How many HTTP requests one `send` may make. The campaign's Connect calls are activities on
 * task queues the server meters (`maxTaskQueueActivitiesPerSecond`): a try the SDK retried on
 * its own would be an HTTP request no rate ever counted. So the clients try once, and a 429,
 * a 5xx or a network error fails the activity, whose retry policy sends the call again, with
 * the same client token, through the metered queue. The CLI, which calls Connect outside any
 * activity, keeps the SDK's default of 3.
 */
export const METERED_MAX_ATTEMPTS = 1;

/** What both Connect clients share: region, endpoint (the emulator serves both APIs), credentials, one try per activity attempt. */
function clientSettings(config: ConnectConfig, maxAttempts: number) {
  const local = config.CONNECT_ENDPOINT !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(config.CONNECT_ENDPOINT);
  const explicitCredentials = process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE;
  return {
    region: config.AWS_REGION,
    endpoint: config.CONNECT_ENDPOINT,
    // A local emulator needs no real credentials; anything else uses the SDK's default chain.
    credentials: local && !explicitCredentials ? emulatorCredentials : undefined,
    maxAttempts,
    // A call is bounded well inside the activity's 30 s start-to-close, so a hung call is retried as an activity.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 8_000 },
  };
}

/** The one Amazon Connect client: real AWS by default, the emulator when CONNECT_ENDPOINT is set. */
export function createConnectClient(config: ConnectConfig, options: { maxAttempts?: number } = {}): ConnectClient {
  const client = new ConnectClient(clientSettings(config, options.maxAttempts ?? METERED_MAX_ATTEMPTS));
  instrumentConnectCalls(client);
  reportCredentialErrors(client);
  return client;
}

/**
 * The SQS client the contact-event consumer reads `queueUrl` with. Its endpoint is the queue
 * URL's origin (an AWS queue URL names its regional endpoint; the emulator's names the
 * emulator), so the SDK neither guesses nor warns on every call that the two differ; the
 * emulator's credentials when CONNECT_ENDPOINT is local. Its calls are not Connect's quota:
 * the SDK's retries stay on.
 */
export function createSqsClient(config: ConnectConfig, queueUrl: string): SQSClient {
  const { endpoint: _endpoint, maxAttempts: _attempts, ...settings } = clientSettings(config, 3);
  return new SQSClient({ ...settings, endpoint: new URL(queueUrl).origin, requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000 } });
}

/** The Outbound Campaigns v2 client (PutOutboundRequestBatch, GetCampaignState), set up the same way. */
export function createCampaignsV2Client(config: ConnectConfig, options: { maxAttempts?: number } = {}): ConnectCampaignsV2Client {
  const client = new ConnectCampaignsV2Client(clientSettings(config, options.maxAttempts ?? METERED_MAX_ATTEMPTS));
  instrumentConnectCalls(client);
  reportCredentialErrors(client);
  return client;
}
