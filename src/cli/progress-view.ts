import { Format, MultiBar, Presets, type SingleBar } from 'cli-progress';
import { outcomeKinds } from '../domain/outcome';
import { settled, type Progress } from '../domain/progress';

/** `bar`: live bars on a terminal; `lines`: a plain line now and then (logs, CI); `off`: silent. */
export const progressModes = ['bar', 'lines', 'off'] as const;
export type ProgressMode = (typeof progressModes)[number];

/** What `--progress` accepts: a mode, or `auto` to let the terminal decide. */
export const progressChoices = ['auto', ...progressModes] as const;
export type ProgressChoice = (typeof progressChoices)[number];

/**
 * Progress goes to stderr: with `auto`, bars when stderr is a terminal and nothing when it
 * is not (a pipe, a log file, CI). `--progress lines` asks for plain periodic lines there.
 */
export function progressMode(choice: ProgressChoice, stderrIsTTY: boolean): ProgressMode {
  if (choice !== 'auto') return choice;
  return stderrIsTTY ? 'bar' : 'off';
}

export interface ProgressViewOptions {
  mode: ProgressMode;
  stream?: NodeJS.WriteStream;
  pollMs?: number;
  /** Plain lines: at most one this often (and one whenever the status changes). */
  lineEveryMs?: number;
}

/** What a view draws: a progress answer, or a campaign's result at the end. */
export type ProgressSnapshot = Pick<Progress, 'status' | 'outcomes' | 'byFailureCode' | 'retries'> &
  Partial<Pick<Progress, 'total' | 'retrying' | 'pendingDeflections' | 'pauseReason'>>;

export interface ProgressView {
  /** Prints a line without tearing the bars. */
  log(line: string): void;
  /** Stops polling, after drawing `last` (e.g. the campaign's result) when given. */
  stop(last?: ProgressSnapshot): void;
}

/** Polls `read` (the campaign's progress query) and draws what it answers until stopped. */
export function watchProgress(read: () => Promise<ProgressSnapshot>, options: ProgressViewOptions): ProgressView {
  const stream = options.stream ?? process.stderr;
  const draw = options.mode === 'bar' ? barRenderer(stream) : options.mode === 'lines' ? lineRenderer(stream, options.lineEveryMs ?? 2_000) : undefined;
  const speed = new SettleRate();
  let stopped = false;
  let polling = false;
  let lastError: string | undefined;

  const poll = async (): Promise<void> => {
    // One query at a time: without a worker a query waits, and the view must not pile them up.
    if (polling) return;
    polling = true;
    try {
      const p = await read();
      lastError = undefined;
      if (!stopped) draw?.update(p, speed.sample(settled(p.outcomes)), false);
    } catch (err) {
      const message = `progress unavailable: ${(err as Error).message}`;
      if (!stopped && message !== lastError) draw?.note(message);
      lastError = message;
    } finally {
      polling = false;
    }
  };
  const timer = draw ? setInterval(() => void poll(), options.pollMs ?? 500) : undefined;
  if (draw) void poll();

  return {
    log(line) {
      if (draw) draw.note(line);
      else stream.write(line + '\n');
    },
    stop(last) {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      if (!draw) return;
      if (last) draw.update(last, speed.sample(settled(last.outcomes)), true);
      draw.close();
    },
  };
}

interface Renderer {
  update(p: ProgressSnapshot, rate: Rate, final: boolean): void;
  note(line: string): void;
  close(): void;
}

export interface Rate {
  /** Entries settled per second over the last few seconds. */
  perSecond: number;
  /** Seconds left at that rate; undefined while it is unknown. */
  etaSeconds(remaining: number): number | undefined;
}

/** Settled entries per second over a sliding window, so a pause or a retry storm shows quickly. */
export class SettleRate {
  private readonly samples: { at: number; settled: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  sample(settledNow: number, at = Date.now()): Rate {
    this.samples.push({ at, settled: settledNow });
    while (this.samples.length > 2 && (this.samples[0]?.at ?? at) < at - this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const seconds = first ? (at - first.at) / 1000 : 0;
    const perSecond = first && seconds > 0 ? Math.max(0, settledNow - first.settled) / seconds : 0;
    return {
      perSecond,
      etaSeconds: (remaining) => (remaining <= 0 ? 0 : perSecond > 0 ? remaining / perSecond : undefined),
    };
  }
}

function barRenderer(stream: NodeJS.WriteStream): Renderer {
  const bars = new MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: false,
      // Ctrl-C is the command's to handle (it stops the view itself).
      gracefulExit: false,
      barsize: 30,
      format: (options, params, payload: { line?: string }) => `${Format.BarFormat(params.progress, options)} ${payload.line ?? ''}`,
    },
    Presets.shades_classic,
  );
  const main: SingleBar = bars.create(1, 0, { line: 'waiting for the campaign…' });
  const detail: SingleBar = bars.create(1, 0, { line: '' }, { format: (_o, _p, payload: { line?: string }) => `  ${payload.line ?? ''}` });
  return {
    update(p, rate) {
      const done = settled(p.outcomes);
      const total = p.total ?? 0;
      main.setTotal(Math.max(total, 1));
      main.update(done, { line: headline(p, rate) });
      detail.update(0, { line: countsLine(p) });
    },
    note(line) {
      bars.log(line + '\n');
    },
    close() {
      bars.stop();
    },
  };
}

function lineRenderer(stream: NodeJS.WriteStream, everyMs: number): Renderer {
  const heartbeatMs = 30_000;
  let lastAt = 0;
  let lastState: string | undefined;
  let lastStatus: string | undefined;
  const started = Date.now();
  return {
    update(p, rate, final) {
      const now = Date.now();
      // A line when the counts move (at most every `everyMs`), the status changes, at the end, or as a heartbeat.
      const state = `${p.status} ${countsLine(p)}`;
      const due = final || p.status !== lastStatus || (state !== lastState ? now - lastAt >= everyMs : now - lastAt >= heartbeatMs);
      if (!due) return;
      stream.write(`[${formatDuration((now - started) / 1000)}] ${headline(p, rate)} | ${countsLine(p)}\n`);
      lastAt = now;
      lastState = state;
      lastStatus = p.status;
    },
    note(line) {
      stream.write(line + '\n');
    },
    close() {},
  };
}

/** `RUNNING 1,200/3,000 (40%) · 85.0/s · ETA 21s` */
function headline(p: ProgressSnapshot, rate: Rate): string {
  const done = settled(p.outcomes);
  if (p.total === undefined) return `${p.status} · reading the dial list…`;
  const pct = p.total > 0 ? Math.floor((done / p.total) * 100) : 100;
  const eta = rate.etaSeconds(p.total - done);
  const pause = p.status === 'PAUSED' && p.pauseReason ? ` (${p.pauseReason})` : '';
  return `${p.status}${pause} ${formatCount(done)}/${formatCount(p.total)} (${pct}%) · ${rate.perSecond.toFixed(1)}/s · ETA ${eta === undefined ? '–' : formatDuration(eta)}`;
}

/** `CREATED 1,150 · REJECTED 50 · … · retries 340 (12 waiting) · INVALID_QUEUE×3` */
function countsLine(p: ProgressSnapshot): string {
  const parts = outcomeKinds.map((k) => `${k} ${formatCount(p.outcomes[k])}`);
  if (p.retries > 0) parts.push(`retries ${formatCount(p.retries)}${p.retrying ? ` (${formatCount(p.retrying)} waiting)` : ''}`);
  if (p.pendingDeflections) parts.push(`deflecting ${formatCount(p.pendingDeflections)}`);
  const codes = Object.entries(p.byFailureCode)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 3)
    .map(([code, n]) => `${code}×${formatCount(n)}`);
  return [...parts, ...codes].join(' · ');
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
