import { z } from 'zod';
import { laneNames } from './lane-policies';
import { outcomeKinds, type OutcomeCounts } from './outcome';

export const campaignStatuses = ['STAGING', 'RUNNING', 'PAUSED', 'CANCELLING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];
export const finalStatuses = ['COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type FinalStatus = (typeof finalStatuses)[number];

// SUPPRESSED is absent from the answers of workers that predate it.
const countsSchema = z.object({
  ...(Object.fromEntries(outcomeKinds.map((k) => [k, z.number().int()])) as Record<(typeof outcomeKinds)[number], z.ZodNumber>),
  SUPPRESSED: z.number().int().default(0),
});

/** Entries waiting for their calling window (docs/compliance.md): how many, per zone, and when the next may go. */
export const waitingSchema = z.object({
  total: z.number().int(),
  byZone: z.record(z.string(), z.number().int()),
  nextDueAt: z.string().optional(),
});
export type Waiting = z.infer<typeof waitingSchema>;

export const progressSchema = z.object({
  campaignId: z.string(),
  status: z.enum(campaignStatuses),
  /** Entries in the dial list; known once it is staged. */
  total: z.number().int().optional(),
  outcomes: countsSchema,
  byFailureCode: z.record(z.string(), z.number().int()),
  batchesSent: z.number().int(),
  batchesInFlight: z.number().int(),
  retries: z.number().int(),
  /** Entries waiting in retry lanes. */
  retrying: z.number().int(),
  /** Of those, how many wait in each lane (absent from workers that predate it). */
  waitingByLane: z.partialRecord(z.enum(laneNames), z.number().int()).optional(),
  pendingDeflections: z.number().int(),
  /** Entries waiting for their calling window or a redial; absent when the campaign has neither (or its worker predates them). */
  waiting: waitingSchema.optional(),
  /** With call outcomes acted on: entries by the disposition of their newest decided call, at the campaign's last look. */
  dispositions: z.record(z.string(), z.number().int()).optional(),
  /** Redials scheduled (call outcomes). */
  redials: z.number().int().optional(),
  /** Extra gap between batches added by adaptive pacing. */
  paceDelayMs: z.number().int(),
  pauseReason: z.string().optional(),
  reason: z.string().optional(),
  runs: z.number().int(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
export type Progress = z.infer<typeof progressSchema>;

export const campaignResultSchema = z.object({
  campaignId: z.string(),
  status: z.enum(finalStatuses),
  reason: z.string().optional(),
  total: z.number().int(),
  outcomes: countsSchema,
  byFailureCode: z.record(z.string(), z.number().int()),
  batchesSent: z.number().int(),
  retries: z.number().int(),
  runs: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().int(),
  /** With call outcomes: entries by the final disposition of their calls, once the campaign settled them. */
  dispositions: z.record(z.string(), z.number().int()).optional(),
  /** Redials scheduled (call outcomes with redial rules). */
  redials: z.number().int().optional(),
});
export type CampaignResult = z.infer<typeof campaignResultSchema>;

export function settled(outcomes: OutcomeCounts): number {
  return outcomeKinds.reduce((n, k) => n + outcomes[k], 0);
}

/** The progress table shown as the workflow's current details in the Temporal UI (markdown). */
export function formatProgressDetails(p: Progress): string {
  const done = settled(p.outcomes);
  const total = p.total === undefined ? '?' : String(p.total);
  const rows = outcomeKinds.map((k) => `| ${k} | ${p.outcomes[k]} |`).join('\n');
  const codes = Object.entries(p.byFailureCode)
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `| ${code} | ${n} |`)
    .join('\n');
  return [
    `**${p.status}** · ${done} / ${total} entries settled · ${p.batchesSent} batches · ${p.retries} retries`,
    p.reason ? `\nReason: ${p.reason}` : '',
    '\n| outcome | entries |\n|:---|---:|',
    rows,
    codes ? `\n| failure code | entries |\n|:---|---:|\n${codes}` : '',
    waitingLine(p.waiting),
    callsLine(p.dispositions, p.redials),
    `\nIn flight: ${p.batchesInFlight} batches · retrying: ${p.retrying} · pending deflections: ${p.pendingDeflections}` +
      (p.paceDelayMs > 0 ? ` · pace slowed by ${p.paceDelayMs} ms/batch` : ''),
  ].join('\n');
}

function waitingLine(w: Waiting | undefined): string {
  if (!w || w.total === 0) return '';
  const zones = Object.entries(w.byZone)
    .map(([zone, n]) => `${zone} ${n}`)
    .join(' · ');
  return `\nWaiting for their calling window: ${w.total} (${zones})${w.nextDueAt ? ` · next opening ${w.nextDueAt}` : ''}`;
}

/** `Calls: REACHED 3 · VOICEMAIL 1 · NO_ANSWER 2 · … · 4 redials` (dispositions with entries only). */
export function callsLine(dispositions: Record<string, number> | undefined, redials: number | undefined): string {
  if (!dispositions) return '';
  const known = Object.entries(dispositions)
    .filter(([, n]) => n > 0)
    .map(([d, n]) => `${d} ${n}`);
  return `\nCalls: ${known.length > 0 ? known.join(' · ') : 'none decided yet'}${redials ? ` · ${redials} redials` : ''}`;
}
