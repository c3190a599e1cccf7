import type { EntryFailure } from './entry-checks';
import { ConnectError } from './errors';
import { seededRandom } from './random';
import {
  CAMPAIGNS_V2_OPERATIONS,
  type ConnectOperation,
  type FaultConfig,
  type OutboundRequestFailureCode,
  type ScheduledCallFault,
  type ScheduledEntryFault,
  type ScheduledFault,
  type ScheduledOutboundRequestFault,
} from './types';

const CALL_MESSAGES: Record<string, string> = {
  InternalServiceException: 'Request processing failed because of an error or failure with the service.',
  InternalServerException: 'Request processing failed because of an error or failure with the service.',
  ValidationException: 'The input fails to satisfy the constraints specified by an AWS service.',
  LimitExceededException: 'The allowed limit for the resource has been exceeded.',
  ThrottlingException: 'The throttling limit has been exceeded.',
  AccessDeniedException: 'You do not have sufficient permissions to perform this action.',
  ExpiredTokenException: 'The security token included in the request is expired',
  ResourceNotFoundException: 'The specified resource was not found.',
  InvalidRequestException: 'The request is not valid.',
  IdempotencyException: 'An entity with the same name already exists.',
  ConflictException: 'Operation cannot be performed at this time as there is a conflict with another operation or contact state.',
};
const ENTRY_MESSAGES: Record<string, string> = {
  REQUEST_THROTTLED: 'The request was throttled. Try again later.',
  INTERNAL_ERROR: 'The request failed because of an internal error. Try again later.',
};

function isCallFault(f: ScheduledFault): f is ScheduledCallFault {
  return 'operation' in f;
}

function isOutboundRequestFault(f: ScheduledFault): f is ScheduledOutboundRequestFault {
  return 'clientToken' in f;
}

const isCampaignsV2 = (operation: ConnectOperation): boolean => (CAMPAIGNS_V2_OPERATIONS as readonly string[]).includes(operation);

/**
 * The faults in force: scripted ones first, then the random rates. Call numbers count
 * from when this config was applied, over calls that passed signature, access and rate checks.
 */
export class FaultInjector {
  private readonly random: () => number;
  private readonly calls: Record<ConnectOperation, number> = {
    BatchPutContact: 0,
    StartOutboundChatContact: 0,
    PutOutboundRequestBatch: 0,
    GetCampaignState: 0,
    DescribeContact: 0,
    GetContactAttributes: 0,
  };
  private readonly callSchedule: { fault: ScheduledCallFault; remaining: number }[] = [];
  private readonly entrySchedule = new Map<string, { fault: ScheduledEntryFault; remaining: number }[]>();
  private readonly requestSchedule = new Map<string, { fault: ScheduledOutboundRequestFault; remaining: number }[]>();

  constructor(readonly config: FaultConfig = {}) {
    this.random = seededRandom(config.seed ?? Math.floor(Math.random() * 2 ** 32));
    for (const fault of config.schedule ?? []) {
      const remaining = fault.times ?? 1;
      if (isCallFault(fault)) {
        this.callSchedule.push({ fault, remaining });
      } else if (isOutboundRequestFault(fault)) {
        const list = this.requestSchedule.get(fault.clientToken) ?? [];
        list.push({ fault, remaining });
        this.requestSchedule.set(fault.clientToken, list);
      } else {
        const list = this.entrySchedule.get(fault.requestIdentifier) ?? [];
        list.push({ fault, remaining });
        this.entrySchedule.set(fault.requestIdentifier, list);
      }
    }
  }

  get chatConcurrencyLimit(): number | undefined {
    return this.config.chatConcurrencyLimit;
  }

  /** Counts this call; returns the error to answer it with, if any. */
  callFault(operation: ConnectOperation): ConnectError | undefined {
    const n = ++this.calls[operation];
    for (const item of this.callSchedule) {
      const { fault } = item;
      if (fault.operation !== operation) continue;
      const fires = fault.call === undefined ? item.remaining > 0 : n >= fault.call && n < fault.call + (fault.times ?? 1);
      if (!fires) continue;
      if (fault.call === undefined) item.remaining--;
      return new ConnectError(fault.error, fault.message ?? CALL_MESSAGES[fault.error] ?? fault.error, true);
    }
    const rate = this.config.callInternalErrorRate ?? 0;
    if (rate > 0 && this.random() < rate) {
      const name = isCampaignsV2(operation) ? 'InternalServerException' : 'InternalServiceException';
      return new ConnectError(name, CALL_MESSAGES[name] ?? '', true);
    }
    return undefined;
  }

  /** The injected failure for one otherwise-valid entry, if any. */
  entryFault(requestIdentifier: string | undefined): EntryFailure | undefined {
    const scripted = requestIdentifier === undefined ? undefined : this.entrySchedule.get(requestIdentifier)?.find((s) => s.remaining > 0);
    if (scripted !== undefined) {
      scripted.remaining--;
      const code = scripted.fault.failureReasonCode;
      return { code, message: scripted.fault.message ?? ENTRY_MESSAGES[code] ?? `Injected ${code}.` };
    }
    const throttle = this.config.entryThrottleRate ?? 0;
    const internal = this.config.entryInternalErrorRate ?? 0;
    if (throttle + internal <= 0) return undefined;
    // One draw per entry, so each rate holds on its own share of entries.
    const draw = this.random();
    if (draw < throttle) return { code: 'REQUEST_THROTTLED', message: ENTRY_MESSAGES.REQUEST_THROTTLED ?? '' };
    if (draw < throttle + internal) return { code: 'INTERNAL_ERROR', message: ENTRY_MESSAGES.INTERNAL_ERROR ?? '' };
    return undefined;
  }

  /** The injected failure for one otherwise-valid outbound request (PutOutboundRequestBatch), if any. */
  outboundRequestFault(clientToken: string): OutboundRequestFailureCode | undefined {
    const scripted = this.requestSchedule.get(clientToken)?.find((s) => s.remaining > 0);
    if (scripted !== undefined) {
      scripted.remaining--;
      return scripted.fault.failureCode;
    }
    const throttle = this.config.entryThrottleRate ?? 0;
    const internal = this.config.entryInternalErrorRate ?? 0;
    const buffer = this.config.requestBufferLimitRate ?? 0;
    if (throttle + internal + buffer <= 0) return undefined;
    const draw = this.random();
    if (draw < throttle) return 'RequestThrottled';
    if (draw < throttle + internal) return 'UnknownError';
    if (draw < throttle + internal + buffer) return 'BufferLimitExceeded';
    return undefined;
  }
}
