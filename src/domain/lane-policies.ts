import { z } from 'zod';

/** FailureReasonCode values the Connect model lists; any other string is a new, unknown code. */
export const knownFailureCodes = [
  'INVALID_ATTRIBUTE_KEY',
  'INVALID_CUSTOMER_ENDPOINT',
  'INVALID_SYSTEM_ENDPOINT',
  'INVALID_QUEUE',
  'INVALID_OUTBOUND_STRATEGY',
  'MISSING_CAMPAIGN',
  'MISSING_CUSTOMER_ENDPOINT',
  'MISSING_QUEUE_ID_AND_SYSTEM_ENDPOINT',
  'REQUEST_THROTTLED',
  'IDEMPOTENCY_EXCEPTION',
  'INTERNAL_ERROR',
] as const;

/** Outbound Campaigns v2's per-request failureCode values (PutOutboundRequestBatch). */
export const knownOutboundRequestFailureCodes = ['InvalidInput', 'RequestThrottled', 'UnknownError', 'BufferLimitExceeded'] as const;

export const laneNames = ['throttled', 'internal', 'buffer', 'idempotency', 'permanent', 'unknown'] as const;
export type LaneName = (typeof laneNames)[number];

export const lanePolicySchema = z.object({
  /** Sends that may fail with this lane's codes, counting the first; 1 means never retried. */
  maxAttempts: z.number().int().min(1).max(1000),
  initialBackoffMs: z.number().int().min(0),
  maxBackoffMs: z.number().int().min(0),
  multiplier: z.number().min(1),
});
export type LanePolicy = z.infer<typeof lanePolicySchema>;
export type LanePolicies = Record<LaneName, LanePolicy>;

export const lanePolicyOverridesSchema = z
  .object(Object.fromEntries(laneNames.map((n) => [n, lanePolicySchema.partial().optional()])) as Record<LaneName, z.ZodOptional<ReturnType<typeof lanePolicySchema.partial>>>)
  .partial();
export type LanePolicyOverrides = z.infer<typeof lanePolicyOverridesSchema>;

export const defaultLanePolicies: LanePolicies = {
  throttled: { maxAttempts: 20, initialBackoffMs: 1_000, maxBackoffMs: 60_000, multiplier: 2 },
  internal: { maxAttempts: 4, initialBackoffMs: 2_000, maxBackoffMs: 30_000, multiplier: 2 },
  // The v2 campaign's buffer is full: it drains as Connect dials, so wait long and try often.
  buffer: { maxAttempts: 30, initialBackoffMs: 5_000, maxBackoffMs: 120_000, multiplier: 2 },
  // A reused token with other contents: retrying blindly could dial someone twice.
  idempotency: { maxAttempts: 1, initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 },
  permanent: { maxAttempts: 1, initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 },
  unknown: { maxAttempts: 3, initialBackoffMs: 5_000, maxBackoffMs: 60_000, multiplier: 2 },
};

/**
 * The defaults when throttled and buffer-full entries retry at the pace (patch
 * 'throttles-retry-at-the-pace'): no per-entry wait, so the budget counts sends, not time.
 * 100 sends make an entry lost to random throttling unlikely even at 85% (0.85^100 ≈ 1e-7) and
 * end an entry Connect refuses for good within the pace's bound (at most 30 s a batch).
 */
export const pacedLanePolicies: LanePolicies = {
  ...defaultLanePolicies,
  throttled: { ...defaultLanePolicies.throttled, maxAttempts: 100 },
  buffer: { ...defaultLanePolicies.buffer, maxAttempts: 100 },
};

export function resolveLanePolicies(overrides: LanePolicyOverrides | undefined, defaults: LanePolicies = defaultLanePolicies): LanePolicies {
  const out = { ...defaults };
  for (const name of laneNames) out[name] = { ...defaults[name], ...overrides?.[name] };
  return out;
}

export function laneFor(code: string): LaneName {
  if (code === 'REQUEST_THROTTLED' || code === 'RequestThrottled') return 'throttled';
  if (code === 'INTERNAL_ERROR' || code === 'UnknownError') return 'internal';
  if (code === 'BufferLimitExceeded') return 'buffer';
  if (code === 'InvalidInput') return 'permanent';
  if (code === 'IDEMPOTENCY_EXCEPTION') return 'idempotency';
  if (code.startsWith('INVALID_') || code.startsWith('MISSING_')) return 'permanent';
  return 'unknown';
}

export function isKnownFailureCode(code: string): boolean {
  return (knownFailureCodes as readonly string[]).includes(code) || (knownOutboundRequestFailureCodes as readonly string[]).includes(code);
}

/** Codes that say Connect wants fewer requests: they slow the campaign's pace. */
export function slowsPace(code: string): boolean {
  return isPacedLane(laneFor(code));
}

/**
 * Lanes whose codes are a rate signal (throttled, buffer full): with `retryAtPace`, their
 * entries are due again at once and go out in the next batches the pace allows, ahead of fresh
 * entries; the pace, not a per-entry backoff, spaces them.
 */
export function isPacedLane(lane: LaneName): boolean {
  return lane === 'throttled' || lane === 'buffer';
}

export type LaneDecision = { retry: true; delayMs: number; lane: LaneName } | { retry: false; lane: LaneName; why: string };

/** Failures an entry has had in each lane: each lane spends its own attempt budget. */
export type LaneFailures = Partial<Record<LaneName, number>>;

/**
 * Sends of one entry in all, whatever the codes: a safety net above the lanes' own budgets
 * (100 throttled + 4 internal + 3 unknown sends fit under it with pacedLanePolicies).
 */
export const MAX_SENDS_PER_ENTRY = 150;
/** The ceiling for campaigns started before patch 'throttles-retry-at-the-pace' (20 throttled + 4 internal + 3 unknown). */
export const MAX_SENDS_PER_ENTRY_WITH_BACKOFF = 50;

/** How a campaign retries: at the pace for the rate-signal lanes (patch 'throttles-retry-at-the-pace'), or after each lane's backoff. */
export interface RetryRules {
  retryAtPace: boolean;
}

/**
 * What to do with an entry whose `sends`-th send failed with `code`. Each lane counts only
 * the failures of its own codes (`failures`, before this one), so an entry throttled three
 * times still has its whole internal-error budget; `sends` is checked against the global
 * ceiling (150 sends, 50 without `retryAtPace`). `random` is in [0, 1): the workflow passes its
 * deterministic Math.random. With `retryAtPace` a throttled or buffer-full entry is due at once
 * (delay 0); other lanes keep their backoff.
 */
export function decideLane(code: string, sends: number, failures: LaneFailures, policies: LanePolicies, random: number, rules: RetryRules = { retryAtPace: false }): LaneDecision {
  const lane = laneFor(code);
  const policy = policies[lane];
  const inLane = (failures[lane] ?? 0) + 1;
  if (inLane >= policy.maxAttempts) {
    const why =
      policy.maxAttempts === 1
        ? lane === 'idempotency'
          ? 'the client token was reused with other contents; not retried so no one is dialled twice'
          : 'permanent failure; not retried'
        : `gave up after ${inLane} ${lane} failures (${sends} sends in all)`;
    return { retry: false, lane, why };
  }
  const ceiling = rules.retryAtPace ? MAX_SENDS_PER_ENTRY : MAX_SENDS_PER_ENTRY_WITH_BACKOFF;
  if (sends >= ceiling) return { retry: false, lane, why: `gave up after ${sends} sends in all (the ceiling per entry)` };
  const atPace = rules.retryAtPace && isPacedLane(lane);
  return { retry: true, lane, delayMs: atPace ? 0 : backoffMs(inLane, policy, random) };
}

/** The lane failures after one more failure with `code`. */
export function addLaneFailure(failures: LaneFailures, code: string): LaneFailures {
  const lane = laneFor(code);
  return { ...failures, [lane]: (failures[lane] ?? 0) + 1 };
}

/** Exponential backoff with equal jitter: half the ceiling plus a random half (the AWS architecture blog's "equal jitter"), so no retry comes at once. */
export function backoffMs(attempt: number, policy: LanePolicy, random: number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}
