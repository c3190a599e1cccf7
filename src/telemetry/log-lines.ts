import type { LogEntry } from '@temporalio/worker';
import { z } from 'zod';

export const logFormats = ['json', 'text'] as const;
export type LogFormat = (typeof logFormats)[number];

/** `json` when asked, else text on a terminal and JSON lines when the output is a pipe or a file. */
export function logFormatFor(choice: LogFormat | undefined, isTTY: boolean): LogFormat {
  return choice ?? (isTTY ? 'text' : 'json');
}

/** What the SDK's workflow and activity loggers attach that names a campaign and a batch. */
const sdkMetaSchema = z.looseObject({
  workflowId: z.string().optional(),
  activityId: z.string().optional(),
  seq: z.number().optional(),
});

/**
 * The campaign and batch a log line is about, as fields: the workflow id is `campaign-<id>`,
 * a batch activity's id `batch-<seq>` (`batch-<seq>-again-<n>` when sent again after a pause) (src/workflows/campaign.ts), and some lines carry `seq`.
 */
function campaignFields(meta: Record<string, unknown> | undefined): { campaignId?: string; batchSeq?: number } {
  const parsed = sdkMetaSchema.safeParse(meta ?? {});
  if (!parsed.success) return {};
  const { workflowId, activityId, seq } = parsed.data;
  const campaignId = workflowId?.startsWith('campaign-') ? workflowId.slice('campaign-'.length) : undefined;
  const batch = activityId?.match(/^batch-(\d+)(?:-again-\d+)?$/)?.[1];
  const batchSeq = batch !== undefined ? Number(batch) : seq;
  return { ...(campaignId !== undefined && { campaignId }), ...(batchSeq !== undefined && { batchSeq }) };
}

/** One log entry of the Temporal runtime logger as one line. */
export function formatLogLine(entry: LogEntry, format: LogFormat): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const fields = campaignFields(entry.meta);
  if (format === 'json') {
    return JSON.stringify({ time, level: entry.level, message: entry.message, ...fields, ...entry.meta }, jsonSafe);
  }
  const named = Object.entries(fields)
    .map(([k, v]) => ` ${k}=${String(v)}`)
    .join('');
  return `${time} [${entry.level}] ${entry.message}${named}`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
