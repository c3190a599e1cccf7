import { noopMetricMeter, type MetricMeter } from '@temporalio/common';
import { DefaultLogger, Runtime, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Config } from '../config';
import { redact } from '../privacy/redaction';
import { formatLogLine, type LogFormat } from './log-lines';

export interface RuntimeTelemetryOptions {
  /** `host:port` of the Prometheus endpoint (`/metrics`); none when absent. */
  metricsAddress?: string;
  logFormat: LogFormat;
  /** Least severe level logged. */
  logLevel?: LogLevel;
  /** Where each formatted line goes. */
  write: (line: string) => void;
  /** Signals on which the SDK shuts workers down; [] when the process stops them itself. */
  shutdownSignals?: NodeJS.Signals[];
}

let installed: RuntimeTelemetryOptions | undefined;

/**
 * What the SDK (1.24) says at WARN for every worker without workflows. Each Connect task
 * queue's worker is activity-only by design (src/worker.ts), so it is no warning here: the
 * SDK has no option to say so, and a clean start should print none.
 */
const ACTIVITY_ONLY_NOTICE = 'No workflows registered, not polling for workflow tasks';

/** The SDK's logger, with the activity-only notice at DEBUG. */
class WorkerLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    super.log(message === ACTIVITY_ONLY_NOTICE ? 'DEBUG' : level, message, meta);
  }
}

/**
 * Installs the Temporal runtime with the product's telemetry: the SDK's Prometheus endpoint
 * (its own metrics and the product's, from one place) and the log format. Temporal allows
 * one runtime per process, installed before any worker or native connection: call this
 * first in a worker process. A second call keeps the first runtime.
 */
export function installRuntime(options: RuntimeTelemetryOptions): void {
  if (installed) return;
  installed = options;
  Runtime.install({
    logger: new WorkerLogger(options.logLevel ?? 'INFO', (entry) => options.write(redact(formatLogLine(entry, options.logFormat)))),
    ...(options.shutdownSignals && { shutdownSignals: options.shutdownSignals }),
    telemetryOptions: {
      metrics: options.metricsAddress ? { prometheus: { bindAddress: options.metricsAddress, useSecondsForDurations: true } } : undefined,
    },
  });
}

/** The meter for metrics recorded outside an activity or workflow: the runtime's, or a no-op where none was installed (the CLI). */
export function runtimeMeter(): MetricMeter {
  return installed?.metricsAddress ? Runtime.instance().metricMeter : noopMetricMeter;
}

/** `host:port` of the worker's metrics endpoint, when a port is configured. */
export function metricsAddress(config: Pick<Config, 'CONNECT_DIALER_METRICS_PORT' | 'CONNECT_DIALER_METRICS_HOST'>): string | undefined {
  return config.CONNECT_DIALER_METRICS_PORT === undefined ? undefined : `${config.CONNECT_DIALER_METRICS_HOST}:${config.CONNECT_DIALER_METRICS_PORT}`;
}
