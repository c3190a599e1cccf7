import * as wf from '@temporalio/workflow';
import type { MetricCounter, MetricGauge } from '@temporalio/common';
import type { Pacing } from '../domain/pace';
import type { LaneName } from '../domain/lane-policies';
import type { CampaignStatus, Progress } from '../domain/progress';
import { metricNames } from '../telemetry/metric-names';

/**
 * A campaign's metrics, recorded from workflow code through the SDK's workflow meter. The
 * SDK drops them while a worker replays history (workflowInfo().unsafe.isReplaying), but a
 * workflow task that is executed again without replay (its completion refused because new
 * events came in) records again: these are at least once. Entries per outcome, which must add
 * up to the result, are therefore counted where the store takes the outcome
 * (src/telemetry/outcome-metrics.ts), not here. Counters carry the campaign id; gauges are
 * per worker process (max them by campaign_id).
 */
export class CampaignMetrics {
  private readonly retries: MetricCounter;
  private readonly deflections: MetricCounter;
  private readonly campaigns: MetricCounter;
  private readonly paceDelay: MetricGauge;
  private readonly rateCap: MetricGauge;
  private readonly batchesInFlight: MetricGauge;
  private readonly pauses: MetricCounter;
  private readonly waiting: MetricGauge;
  /** Zones a waiting count was shown for: set to 0 once none waits there. */
  private readonly waitingZones = new Set<string>();
  private status?: CampaignStatus;
  /** A continued run starts where the last one left off: its first status was counted there. */
  private readonly continued = wf.workflowInfo().continuedFromExecutionRunId !== undefined;

  constructor(
    campaignId: string,
    private readonly pacing: Pacing,
  ) {
    const meter = wf.metricMeter;
    const campaign = meter.withTags({ campaign_id: campaignId });
    this.retries = campaign.createCounter(metricNames.retries, undefined, 'Entries put on a retry lane');
    this.deflections = campaign.createCounter(metricNames.deflections, undefined, 'SMS deflections by result');
    this.campaigns = meter.createCounter(metricNames.campaigns, undefined, 'Campaigns that entered a status');
    this.paceDelay = campaign.createGauge(metricNames.paceDelay, 'float', 's', 'Extra gap between batch starts from the adaptive pace');
    this.rateCap = campaign.createGauge(metricNames.rateCap, 'float', undefined, "The campaign's cap on batch starts per second (0: none)");
    this.pauses = campaign.createCounter(metricNames.campaignPauses, undefined, 'Times the campaign paused itself, by cause');
    this.waiting = campaign.createGauge(metricNames.waitingEntries, 'int', undefined, 'Entries waiting for their calling window, by zone');
    this.batchesInFlight = campaign.createGauge(metricNames.batchesInFlight, 'int', undefined, 'Batches in flight');
  }

  /** An SMS went out (its DEFLECTED outcome is counted by the store). */
  deflected(afterCall: boolean): void {
    this.deflections.add(1, { result: 'sent', when: afterCall ? 'after_call' : 'before_call' });
  }

  /** An SMS could not be sent (the entry keeps its voice outcome, or ends FAILED). */
  deflectionFailed(afterCall: boolean): void {
    this.deflections.add(1, { result: 'failed', when: afterCall ? 'after_call' : 'before_call' });
  }

  /** Connect refused the campaign's calls and it paused (`cause`: access_denied, resource_not_found, credentials). */
  pausedByConnect(cause: string): void {
    this.pauses.add(1, { cause });
  }

  /** An entry went back on a retry lane. */
  retried(lane: LaneName): void {
    this.retries.add(1, { lane });
  }

  /** What the campaign shows now: its status (counted when it changes), pace and batches in flight. */
  progressed(p: Progress): void {
    if (p.status !== this.status) {
      if (this.status !== undefined || !this.continued) this.campaigns.add(1, { status: p.status });
      this.status = p.status;
    }
    const ended = p.status === 'COMPLETED' || p.status === 'FAILED' || p.status === 'CANCELLED';
    this.batchesInFlight.set(ended ? 0 : p.batchesInFlight);
    this.paceDelay.set(ended ? 0 : p.paceDelayMs / 1000);
    this.rateCap.set(this.pacing.batchesPerSecond ?? 0);
    const byZone = ended ? {} : (p.waiting?.byZone ?? {});
    for (const zone of Object.keys(byZone)) this.waitingZones.add(zone);
    for (const zone of this.waitingZones) this.waiting.set(byZone[zone] ?? 0, { zone });
  }
}
