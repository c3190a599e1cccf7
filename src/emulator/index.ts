/**
 * A local Amazon Connect for development and tests: the unmodified @aws-sdk/client-connect
 * talks to it through `endpoint`. It serves BatchPutContact and StartOutboundChatContact
 * (signing name `connect`), and on the same port Outbound Campaigns v2's
 * PutOutboundRequestBatch and GetCampaignState (`connect-campaigns`, for
 * @aws-sdk/client-connectcampaignsv2), over rest-json; checks SigV4 signatures, enforces the model's constraints, keeps
 * ClientToken outcomes for 7 days, and injects throttling and faults on demand.
 *
 * Unsigned admin API (also available as methods on the returned Emulator):
 *   GET  /_emulator/health                          liveness and contact count
 *   GET  /_emulator/contacts?channel=&instanceId=&offset=&limit=   created contacts (streamed);
 *                                                    channel VOICE, CHAT or OUTBOUND_REQUEST (v2 dial requests)
 *   GET  /_emulator/stats                           counters (EmulatorStats)
 *   POST /_emulator/faults   FaultConfig            replaces the fault config
 *   POST /_emulator/config   {latencyMs, rate, deniedAccessKeyIds, missingInstanceIds, invalidQueueIds,
 *                             missingCampaignIds, campaignStates: {"<v2 campaign id>": "Paused", ...}}
 *   POST /_emulator/reset                           forgets contacts, tokens, stats and faults
 *
 * With `calls` configured it dials: every created voice contact (and v2 dial request) rings,
 * ends in an outcome, and publishes its Amazon Connect contact events (EventBridge envelope)
 * to an SQS queue on the same port (AWS JSON 1.0, for @aws-sdk/client-sqs and the AWS CLI;
 * its URL is `contactEventsQueueUrl` in GET /_emulator/stats); DescribeContact tells a call's state and
 * GetContactAttributes its attributes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { configPatchSchema, faultConfigSchema, parseAdmin } from './admin-schemas';
import { createRequestHandler } from './server';
import { EmulatorState } from './emulator-state';
import { queueUrlFor } from './sqs';
import type { ContactQuery, CreatedContact, Emulator, EmulatorOptions } from './types';

export type {
  CallErrorName,
  CallOutcome,
  CallSettings,
  CampaignState,
  ContactChannel,
  OutboundRequestFailureCode,
  ScheduledOutboundRequestFault,
  ConnectOperation,
  ContactQuery,
  CreatedContact,
  Emulator,
  EmulatorConfigPatch,
  EmulatorOptions,
  EmulatorStats,
  FaultConfig,
  RateLimit,
  ScheduledCallFault,
  ScheduledEntryFault,
  ScheduledFault,
} from './types';
export { TOKEN_TTL_MS } from './idempotency';

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Keep-alive sockets of SDK clients would otherwise hold close() open.
    server.closeAllConnections();
  });
}

/** Starts a local Amazon Connect that the unmodified AWS SDK talks to through `endpoint`. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  // Same checks as the admin API, so a bad option fails here and not on the first call.
  if (options.faults !== undefined) parseAdmin(faultConfigSchema, 'faults option', options.faults);
  const { latencyMs, rate, deniedAccessKeyIds, missingInstanceIds, invalidQueueIds, missingCampaignIds, campaignStates, calls } = options;
  parseAdmin(configPatchSchema, 'options', { latencyMs, rate, deniedAccessKeyIds, missingInstanceIds, invalidQueueIds, missingCampaignIds, campaignStates, calls });
  const state = new EmulatorState(options);
  const server = createServer(createRequestHandler(state));
  const host = options.host ?? '127.0.0.1';
  const address = await listen(server, options.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${address.port}`;
  state.baseUrl = url;
  let stopped: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    contactEventsQueueUrl: queueUrlFor(url),
    stop: () => (stopped ??= close(server)),
    contacts: (query?: ContactQuery): CreatedContact[] => [...state.contacts(query)],
    stats: () => ({ ...state.stats.snapshot(), contactEventsQueueUrl: queueUrlFor(url) }),
    setFaults: (faults) => state.setFaults(parseAdmin(faultConfigSchema, 'fault config', faults)),
    configure: (patch) => state.configure(parseAdmin(configPatchSchema, 'config', patch)),
    reset: () => state.reset(),
  };
}
