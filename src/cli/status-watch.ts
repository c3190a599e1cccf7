import { setTimeout as sleep } from 'node:timers/promises';
import { laneNames } from '../domain/lane-policies';
import { outcomeKinds } from '../domain/outcome';
import type { Progress } from '../domain/progress';
import { settled } from '../domain/progress';
import { ExitCode } from './exit-codes';
import { listenForInterrupt } from './interrupt';
import { formatCount, formatDuration, SettleRate, type Rate } from './progress-view';

/**
 * The compact table `status --watch` redraws:
 *
 * ```
 * Campaign spring-2025 RUNNING · 1,200 of 3,000 (40%) · 85.0/s · ETA 21s
 *   CREATED 1,150 · DEFLECTED 0 · REJECTED 50 · FAILED 0 · CANCELLED 0
 *   pace +50 ms/batch · 4 batches in flight · 340 retries
 *   lanes: throttled 12 · internal 2
 * ```
 */
export function formatWatchTable(p: Progress, rate: Rate): string[] {
  const done = settled(p.outcomes);
  const share = p.total ? ` (${Math.floor((done / p.total) * 100)}%)` : '';
  const eta = p.total === undefined ? undefined : rate.etaSeconds(p.total - done);
  const pause = p.status === 'PAUSED' && p.pauseReason ? ` (${p.pauseReason})` : '';
  const lanes = laneNames.filter((l) => (p.waitingByLane?.[l] ?? 0) > 0).map((l) => `${l} ${formatCount(p.waitingByLane?.[l] ?? 0)}`);
  return [
    `Campaign ${p.campaignId} ${p.status}${pause} · ${formatCount(done)} of ${p.total === undefined ? '?' : formatCount(p.total)}${share} · ` +
      `${rate.perSecond.toFixed(1)}/s · ETA ${eta === undefined ? '–' : formatDuration(eta)}`,
    `  ${outcomeKinds.map((k) => `${k} ${formatCount(p.outcomes[k])}`).join(' · ')}`,
    `  pace ${p.paceDelayMs > 0 ? `+${p.paceDelayMs} ms/batch` : 'full speed'} · ${p.batchesInFlight} batch${p.batchesInFlight === 1 ? '' : 'es'} in flight · ` +
      `${formatCount(p.retries)} retries` +
      (p.pendingDeflections > 0 ? ` · ${formatCount(p.pendingDeflections)} deflections pending` : ''),
    `  lanes: ${lanes.length > 0 ? lanes.join(' · ') : p.retrying > 0 ? `${formatCount(p.retrying)} waiting` : 'empty'}`,
  ];
}

export interface StatusWatchSource {
  /** The campaign's progress while it runs, or undefined once it has ended. */
  progress(): Promise<Progress | undefined>;
}

/**
 * Redraws the table every `intervalMs` until the campaign ends (0 after the caller prints
 * its result) or Ctrl-C (130). On a terminal the table is drawn in place; elsewhere a new
 * table is printed only when something in it changed.
 */
export async function watchStatus(source: StatusWatchSource, options: { intervalMs: number; stream: NodeJS.WriteStream }): Promise<number> {
  const { stream } = options;
  const inPlace = stream.isTTY === true;
  const rate = new SettleRate();
  const interrupt = listenForInterrupt();
  let drawn = 0;
  let lastState = '';
  try {
    for (;;) {
      const p = await Promise.race([source.progress(), interrupt.signal.then(() => 'interrupted' as const)]);
      if (p === 'interrupted') return ExitCode.interrupted;
      if (p === undefined) return ExitCode.ok;
      const lines = formatWatchTable(p, rate.sample(settled(p.outcomes)));
      const text = lines.join('\n');
      if (inPlace) {
        // Back to the table's first line, clear to the end of the screen, draw again.
        stream.write((drawn > 0 ? `\x1b[${drawn}A\r\x1b[0J` : '') + text + '\n');
        drawn = lines.length;
      } else {
        // Rate and ETA move all the time; a log gets a table when the campaign itself moved.
        const state = JSON.stringify([p.status, p.outcomes, p.batchesInFlight, p.retries, p.waitingByLane, p.paceDelayMs, p.pendingDeflections]);
        if (state !== lastState) stream.write(text + '\n');
        lastState = state;
      }
      const stop = await Promise.race([sleep(options.intervalMs).then(() => false), interrupt.signal.then(() => true)]);
      if (stop) return ExitCode.interrupted;
    }
  } finally {
    interrupt.dispose();
  }
}
