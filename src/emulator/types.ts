/** The emulator's public shapes: other parts of connect-dialer depend on these names. */

export type ConnectOperation = 'BatchPutContact' | 'StartOutboundChatContact' | 'PutOutboundRequestBatch' | 'GetCampaignState' | 'DescribeContact' | 'GetContactAttributes';

/** How a simulated call ends (`disposition` in GET /_emulator/contacts). */
export type CallOutcome = 'HUMAN_ANSWERED' | 'VOICEMAIL' | 'NO_ANSWER' | 'BUSY' | 'INVALID_NUMBER' | 'NOT_DIALLED';

/**
 * The emulator dials (off until set): each created voice contact rings `ringMs`, ends in an
 * outcome, and its contact events go to the contact-events SQS queue.
 */
export interface CallSettings {
  /** Default 1000. */
  ringMs?: number;
  /** Weights of the drawn outcomes, e.g. {HUMAN_ANSWERED: 0.4, VOICEMAIL: 0.2, NO_ANSWER: 0.3, BUSY: 0.1}; default all answered. */
  outcomes?: Partial<Record<CallOutcome, number>>;
  /** Scripted outcomes per customer number: one for every call, or one per successive call (the last repeats). */
  byNumber?: Record<string, CallOutcome | CallOutcome[]>;
  /** Numbers whose calls publish INITIATED only: their end is known to DescribeContact alone. */
  silentNumbers?: string[];
  /** 0..1 share of events published twice. */
  duplicateRate?: number;
  /** 0..1 share of events never published. */
  dropRate?: number;
  /** Shuffle the events of each ring before publishing them. */
  reorder?: boolean;
  seed?: number;
}

/** The Outbound Campaigns v2 operations (signing name `connect-campaigns`, lowercase members). */
export const CAMPAIGNS_V2_OPERATIONS = ['PutOutboundRequestBatch', 'GetCampaignState'] as const;

/** A v2 campaign's state, as GetCampaignState answers it. */
export type CampaignState = 'Initialized' | 'Running' | 'Paused' | 'Stopped' | 'Failed' | 'Completed';

/** What PutOutboundRequestBatch may answer per request in failedRequests[].failureCode. */
export type OutboundRequestFailureCode = 'InvalidInput' | 'RequestThrottled' | 'UnknownError' | 'BufferLimitExceeded';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface EmulatorOptions {
  /** 0 = a free port (default 0). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 'us-east-1'; requests must be signed for this region and service 'connect'. */
  region?: string;
  /** Default test/test. Keys in deniedAccessKeyIds share this secret. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Known instances; default: any instance id is accepted except those in missingInstanceIds. */
  instanceIds?: string[];
  /** Answered 404 ResourceNotFoundException. */
  missingInstanceIds?: string[];
  /** Authenticated but not allowed: 403 AccessDeniedException. */
  deniedAccessKeyIds?: string[];
  /** Queue ids answered INVALID_QUEUE per entry (an emulator extension; default none). */
  invalidQueueIds?: string[];
  /** Added to every Connect call (default 0). */
  latencyMs?: number;
  /**
   * Over it: 429 LimitExceededException (batch) / ThrottlingException (chat, outbound requests,
   * campaign state). Default unlimited.
   */
  rate?: { batchPutContact?: RateLimit; outboundChat?: RateLimit; outboundRequests?: RateLimit; campaignState?: RateLimit };
  /** v2 campaign ids answered 404 ResourceNotFoundException; every other id exists. */
  missingCampaignIds?: string[];
  /** v2 campaign states; a campaign not listed is Running. Replaced as a whole by configure(). */
  campaignStates?: Record<string, CampaignState>;
  faults?: FaultConfig;
  /** Simulated calls and their contact events; off when absent. */
  calls?: CallSettings;
  /** The emulator clock (ms) for token expiry, chat durations and createdAt. Default Date.now. */
  now?: () => number;
  quiet?: boolean;
}

/** Names a scripted whole-call fault may answer with. */
export type CallErrorName =
  | 'InternalServiceException'
  | 'LimitExceededException'
  | 'ThrottlingException'
  | 'AccessDeniedException'
  | 'ExpiredTokenException'
  | 'ResourceNotFoundException'
  | 'InvalidRequestException'
  | 'IdempotencyException'
  | 'ConflictException'
  | 'InternalServerException'
  | 'ValidationException';

/**
 * A scripted whole-call error. With `call`, it answers that call of the operation (1-based,
 * counted from when the fault config was applied); without, the next `times` calls (default 1).
 */
export interface ScheduledCallFault {
  operation: ConnectOperation;
  call?: number;
  times?: number;
  error: CallErrorName;
  message?: string;
}

/** A scripted per-entry failure: the next `times` (default 1) entries with this RequestIdentifier. */
export interface ScheduledEntryFault {
  requestIdentifier: string;
  /** Any string: unknown codes let callers test how they handle new ones. */
  failureReasonCode: string;
  times?: number;
  message?: string;
}

/** A scripted per-request failure of PutOutboundRequestBatch: the next `times` (default 1) requests with this clientToken. */
export interface ScheduledOutboundRequestFault {
  clientToken: string;
  failureCode: OutboundRequestFailureCode;
  times?: number;
}

export type ScheduledFault = ScheduledCallFault | ScheduledEntryFault | ScheduledOutboundRequestFault;

export interface FaultConfig {
  /** 0..1 share of entries answered REQUEST_THROTTLED in FailedRequestList. */
  entryThrottleRate?: number;
  /** 0..1 share of entries answered INTERNAL_ERROR. */
  entryInternalErrorRate?: number;
  /** 0..1 share of outbound requests (PutOutboundRequestBatch) answered BufferLimitExceeded. */
  requestBufferLimitRate?: number;
  /**
   * 0..1 share of whole calls answered 500 InternalServiceException (InternalServerException
   * for the v2 operations). entryThrottleRate and entryInternalErrorRate apply to outbound
   * requests too, as RequestThrottled and UnknownError.
   */
  callInternalErrorRate?: number;
  schedule?: ScheduledFault[];
  /** Concurrent active chats; over it: 429 LimitExceededException on chat. */
  chatConcurrencyLimit?: number;
  /** Seed of the pseudo-random draws behind the rates, for repeatable runs. */
  seed?: number;
}

export type ContactChannel = 'VOICE' | 'CHAT' | 'OUTBOUND_REQUEST';

export interface CreatedContact {
  contactId: string;
  /**
   * OUTBOUND_REQUEST: a dial request accepted by PutOutboundRequestBatch. Its contactId is
   * the dial request id answered to the caller, its campaignId the v2 campaign id, its
   * customerAddress the destinationPhoneNumber, and its instanceId '' (v2 names no instance).
   */
  channel: ContactChannel;
  instanceId: string;
  clientToken?: string;
  requestIdentifier?: string;
  customerAddress?: string;
  relatedContactId?: string;
  campaignId?: string;
  queueId?: string;
  attributes?: Record<string, string>;
  createdAt: string;
  /** How its simulated call ended (voice contacts and dial requests, once the call is over). */
  disposition?: CallOutcome;
}

export interface EmulatorStats {
  /** Calls that reached an operation (signature checked), whatever their answer. */
  calls: Record<ConnectOperation, number>;
  /** BatchPutContact entries processed (replays not counted again). */
  entries: number;
  /** Contacts created, voice and chat (dial requests are counted in dialRequests). */
  created: number;
  /** Dial requests accepted by PutOutboundRequestBatch (replays not counted again). */
  dialRequests: number;
  /** Calls answered 429 because of the configured rate or the chat concurrency limit. */
  throttled: number;
  /** Injected faults: whole calls and entries, random and scripted. */
  faultsInjected: number;
  /** Calls answered from a stored ClientToken response; for PutOutboundRequestBatch, requests. */
  idempotentReplays: number;
  /** Contacts created twice for the same (token, RequestIdentifier): must stay 0. */
  duplicates: number;
  /** Calls answered with a caller error: 400, 403, 404, 409 (not injected faults). */
  rejected: number;
  /** The SQS queue of the contact events (GET /_emulator/stats and stats() always give it). */
  contactEventsQueueUrl?: string;
  /** SQS calls by operation (ReceiveMessage, DeleteMessage, …). */
  sqsCalls: Record<string, number>;
  /** HTTP status of every Connect call answered, e.g. {"200": 10, "429": 2}. */
  byStatus: Record<string, number>;
  /** FailureReasonCode of every failed entry, failureCode of every failed outbound request. */
  byFailureCode: Record<string, number>;
}

export type EmulatorConfigPatch = Partial<
  Pick<EmulatorOptions, 'latencyMs' | 'rate' | 'deniedAccessKeyIds' | 'missingInstanceIds' | 'invalidQueueIds' | 'missingCampaignIds' | 'campaignStates' | 'calls'>
>;

export interface ContactQuery {
  channel?: ContactChannel;
  instanceId?: string;
}

export interface Emulator {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** The SQS queue (served on the same port) the contact events go to; also in GET /_emulator/stats. */
  contactEventsQueueUrl: string;
  stop(): Promise<void>;
  /** Same data as GET /_emulator/contacts. */
  contacts(query?: ContactQuery): CreatedContact[];
  /** Same as GET /_emulator/stats. */
  stats(): EmulatorStats;
  /** Same as POST /_emulator/faults: replaces the whole fault config. */
  setFaults(f: FaultConfig): void;
  /** Same as POST /_emulator/config. */
  configure(o: EmulatorConfigPatch): void;
  /** Same as POST /_emulator/reset: clears contacts, tokens, stats and faults. */
  reset(): void;
}
