import type { EmulatorStats } from './types';

function empty(): EmulatorStats {
  return {
    calls: { BatchPutContact: 0, StartOutboundChatContact: 0, PutOutboundRequestBatch: 0, GetCampaignState: 0, DescribeContact: 0, GetContactAttributes: 0 },
    sqsCalls: {},
    entries: 0,
    created: 0,
    dialRequests: 0,
    throttled: 0,
    faultsInjected: 0,
    idempotentReplays: 0,
    duplicates: 0,
    rejected: 0,
    byStatus: {},
    byFailureCode: {},
  };
}

/** The emulator's counters; snapshot() hands out a copy. */
export class StatsRecorder {
  current: EmulatorStats = empty();

  status(status: number): void {
    const key = String(status);
    this.current.byStatus[key] = (this.current.byStatus[key] ?? 0) + 1;
  }

  sqs(operation: string): void {
    this.current.sqsCalls[operation] = (this.current.sqsCalls[operation] ?? 0) + 1;
  }

  failure(code: string): void {
    this.current.byFailureCode[code] = (this.current.byFailureCode[code] ?? 0) + 1;
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.current);
  }

  clear(): void {
    this.current = empty();
  }
}
