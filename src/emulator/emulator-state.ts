import { ActiveChats } from './active-chats';
import { CallSimulator } from './calls';
import { CONTACT_EVENTS_QUEUE } from './sqs';
import { MessageQueue } from './sqs-queue';
import { ConnectError } from './errors';
import { FaultInjector } from './faults';
import { TokenStore } from './idempotency';
import { bucketFor, type TokenBucket } from './rate-limiter';
import { StatsRecorder } from './stats';
import { ContactStore } from './contact-store';
import type { CampaignState, ConnectOperation, ContactQuery, CreatedContact, EmulatorConfigPatch, EmulatorOptions, FaultConfig } from './types';

/** One item of BatchPutContact's FailedRequestList, as the emulator answers it. */
export interface FailedRequest {
  RequestIdentifier?: string;
  FailureReasonCode: string;
  FailureReasonMessage: string;
}

/** A BatchPutContact answer kept for its token: its contacts are store[first, first+count). */
export interface BatchOutcome {
  first: number;
  count: number;
  failed: FailedRequest[];
}

/** What a PutOutboundRequestBatch clientToken is kept for: the dial request it created (store index). */
export interface DialRequestOutcome {
  index: number;
}

/** Everything one emulator knows and the knobs that can change while it runs. */
export class EmulatorState {
  readonly region: string;
  readonly now: () => number;
  readonly quiet: boolean;
  private readonly credentials: { accessKeyId: string; secretAccessKey: string };
  private readonly instanceIds: ReadonlySet<string> | undefined;

  latencyMs = 0;
  missingInstanceIds = new Set<string>();
  deniedAccessKeyIds = new Set<string>();
  invalidQueueIds = new Set<string>();
  missingCampaignIds = new Set<string>();
  campaignStates = new Map<string, CampaignState>();
  private buckets: Record<ConnectOperation, TokenBucket | undefined> = {
    BatchPutContact: undefined,
    StartOutboundChatContact: undefined,
    PutOutboundRequestBatch: undefined,
    GetCampaignState: undefined,
    DescribeContact: undefined,
    GetContactAttributes: undefined,
  };
  faults = new FaultInjector();

  readonly store = new ContactStore();
  readonly batchTokens = new TokenStore<BatchOutcome>();
  readonly chatTokens = new TokenStore<number>();
  readonly outboundRequestTokens = new TokenStore<DialRequestOutcome>();
  readonly activeChats = new ActiveChats();
  readonly stats = new StatsRecorder();
  /** SQS queues by name: the contact events' queue. */
  readonly queues = new Map<string, MessageQueue>();
  readonly contactEvents: MessageQueue;
  readonly calls: CallSimulator;
  /** The emulator's own URL, once it listens (queue URLs are made from it). */
  baseUrl = '';
  /** The instance Outbound Campaigns v2 dials its requests on (v2 requests name none). */
  readonly v2InstanceId: string;

  constructor(options: EmulatorOptions) {
    this.region = options.region ?? 'us-east-1';
    this.now = options.now ?? Date.now;
    this.quiet = options.quiet ?? false;
    this.credentials = options.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' };
    this.instanceIds = options.instanceIds === undefined ? undefined : new Set(options.instanceIds);
    this.v2InstanceId = options.instanceIds?.[0] ?? 'campaigns-v2-instance';
    // Visibility timeouts and long polls run on the wall clock, whatever clock the contacts use.
    this.contactEvents = new MessageQueue(CONTACT_EVENTS_QUEUE, Date.now);
    this.queues.set(CONTACT_EVENTS_QUEUE, this.contactEvents);
    this.calls = new CallSimulator(options.calls, this.contactEvents, this.region, this.now);
    this.configure(options);
    this.setFaults(options.faults ?? {});
  }

  configure(patch: EmulatorConfigPatch): void {
    if (patch.latencyMs !== undefined) this.latencyMs = patch.latencyMs;
    if (patch.missingInstanceIds !== undefined) this.missingInstanceIds = new Set(patch.missingInstanceIds);
    if (patch.deniedAccessKeyIds !== undefined) this.deniedAccessKeyIds = new Set(patch.deniedAccessKeyIds);
    if (patch.invalidQueueIds !== undefined) this.invalidQueueIds = new Set(patch.invalidQueueIds);
    if (patch.missingCampaignIds !== undefined) this.missingCampaignIds = new Set(patch.missingCampaignIds);
    if (patch.campaignStates !== undefined) this.campaignStates = new Map(Object.entries(patch.campaignStates));
    // `calls` given (even as undefined, i.e. null over the wire) replaces the call settings.
    if ('calls' in patch) this.calls.configure(patch.calls);
    // A given `rate` replaces both limits: an absent one means unlimited.
    if ('rate' in patch) {
      this.buckets = {
        BatchPutContact: bucketFor(patch.rate?.batchPutContact),
        StartOutboundChatContact: bucketFor(patch.rate?.outboundChat),
        PutOutboundRequestBatch: bucketFor(patch.rate?.outboundRequests),
        GetCampaignState: bucketFor(patch.rate?.campaignState),
        DescribeContact: undefined,
        GetContactAttributes: undefined,
      };
    }
  }

  setFaults(config: FaultConfig): void {
    this.faults = new FaultInjector(config);
  }

  /** Clears what the emulator has seen; knobs set by options or configure() stay. */
  reset(): void {
    this.store.clear();
    this.batchTokens.clear();
    this.chatTokens.clear();
    this.outboundRequestTokens.clear();
    this.activeChats.clear();
    this.calls.clear();
    for (const queue of this.queues.values()) queue.clear();
    this.stats.clear();
    this.setFaults({});
  }

  /** Created contacts with the outcome of their simulated call, once it ended. */
  *contacts(query?: ContactQuery): Generator<CreatedContact> {
    for (const contact of this.store.query(query)) {
      const disposition = this.calls.outcomeOf(contact.contactId);
      yield disposition === undefined ? contact : { ...contact, disposition };
    }
  }

  /** Denied principals are real principals: they sign with the configured secret. */
  secretFor(accessKeyId: string): string | undefined {
    return accessKeyId === this.credentials.accessKeyId || this.deniedAccessKeyIds.has(accessKeyId) ? this.credentials.secretAccessKey : undefined;
  }

  takeRateToken(operation: ConnectOperation): boolean {
    return this.buckets[operation]?.tryTake() ?? true;
  }

  checkInstance(instanceId: string): void {
    if (this.missingInstanceIds.has(instanceId) || (this.instanceIds !== undefined && !this.instanceIds.has(instanceId))) {
      throw new ConnectError('ResourceNotFoundException', `Instance ${instanceId} not found.`);
    }
  }

  /** A v2 campaign's state: every id exists and is Running unless configured otherwise. */
  campaignState(campaignId: string): CampaignState {
    if (this.missingCampaignIds.has(campaignId)) {
      throw new ConnectError('ResourceNotFoundException', `Campaign ${campaignId} not found.`);
    }
    return this.campaignStates.get(campaignId) ?? 'Running';
  }

  log(message: string): void {
    if (!this.quiet) console.error(`[connect-emulator] ${message}`);
  }
}
