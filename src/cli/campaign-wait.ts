import { CampaignStalledError, type CampaignClient } from '../client';
import type { CampaignResult } from '../domain/progress';
import { listenForInterrupt } from './interrupt';
import { Option } from 'commander';
import { progressChoices, progressMode, watchProgress, type ProgressChoice, type ProgressMode, type ProgressView } from './progress-view';

export interface WaitOptions {
  mode: ProgressMode;
  /** Receives the view, e.g. to print other lines above its bars. */
  onView?: (view: ProgressView) => void;
}

/** The campaign's result, drawing its progress on stderr meanwhile; undefined when interrupted first. */
export async function waitWithProgress(campaigns: CampaignClient, campaignId: string, options: WaitOptions): Promise<CampaignResult | undefined> {
  const calls = new CallsInFlight(campaigns);
  const view = watchProgress(() => calls.run(() => campaigns.progress(campaignId)), { mode: options.mode });
  options.onView?.(view);
  const interrupt = listenForInterrupt();
  const waiting = new AbortController();
  const resultCall = campaigns.result(campaignId, { signal: waiting.signal });
  resultCall.catch(() => undefined); // when interrupted, its rejection after abort() is expected
  const stalls = watchForStall(campaigns, campaignId, interrupt.signal);
  let result: CampaignResult | undefined;
  try {
    result = await Promise.race([resultCall, interrupt.signal.then(() => undefined), stalls.stalled]);
    return result;
  } finally {
    stalls.stop();
    interrupt.dispose();
    view.stop(result);
    // Calls still under way (a query, the result's long poll) end here, before the caller closes the connection.
    calls.abortAll();
    waiting.abort();
  }
}

/** How often a waiting command checks that the campaign's workflow task is not failing. */
const STALL_CHECK_MS = 5_000;

/** Rejects with CampaignStalledError once the campaign's workflow task keeps failing. */
function watchForStall(campaigns: CampaignClient, campaignId: string, interrupted: Promise<unknown>): { stalled: Promise<never>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  void interrupted.then(() => (stopped = true));
  const stalled = new Promise<never>((_, reject) => {
    const check = (): void => {
      if (stopped) return;
      campaigns.stall(campaignId).then(
        (stall) => {
          if (stall) reject(new CampaignStalledError(campaignId, stall));
          else if (!stopped) timer = setTimeout(check, STALL_CHECK_MS);
        },
        () => !stopped && (timer = setTimeout(check, STALL_CHECK_MS)),
      );
    };
    timer = setTimeout(check, STALL_CHECK_MS);
  });
  stalled.catch(() => undefined);
  return {
    stalled,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * Progress queries that can be cut short together. One AbortController per call: the client
 * adds a listener to a call's signal and never removes it, so a shared signal would collect
 * one per progress poll (the result's long polls are handled the same way by
 * CampaignClient.result).
 */
class CallsInFlight {
  private readonly controllers = new Set<AbortController>();

  constructor(private readonly campaigns: CampaignClient) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.controllers.add(controller);
    try {
      return await this.campaigns.client.withAbortSignal(controller.signal, call);
    } finally {
      this.controllers.delete(controller);
    }
  }

  abortAll(): void {
    for (const c of this.controllers) c.abort();
    this.controllers.clear();
  }
}

/** The view `--progress` asks for on this process's stderr. */
export function progressModeFor(flags: { progress: ProgressChoice }): ProgressMode {
  return progressMode(flags.progress, process.stderr.isTTY === true);
}

/** `--progress auto|bar|lines|off`, the same on every command that waits for a campaign. */
export function progressOption(): Option {
  return new Option('--progress <mode>', 'bar (live bars), lines (a plain line every few seconds) or off; auto: bars on a terminal, off otherwise')
    .choices(progressChoices)
    .default('auto');
}
