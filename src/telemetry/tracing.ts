import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin, OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../config';
import { AsyncLocalContextManager } from './async-context';

export interface Tracing {
  /** Adds spans to a worker: its workflows (exported through a sink) and activities. */
  plugin: OpenTelemetryPlugin;
  /** Exports the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Traces exported with OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT` (its `/v1/traces`), or
 * undefined when it is unset: tracing is off. Registers the process's global tracer
 * provider, which the activity and client interceptors use.
 */
export function startTracing(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>, serviceName: string): Tracing | undefined {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint === undefined) return undefined;
  // One provider per process (the demo's stack and its client share it); its first starter stops it.
  if (running) return { plugin: running.plugin, shutdown: () => Promise.resolve() };
  const url = new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
  const resource = new Resource({ 'service.name': serviceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalContextManager() });
  running = {
    plugin: new OpenTelemetryPlugin({ resource, spanProcessor }),
    async shutdown() {
      running = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  return running;
}

let running: Tracing | undefined;

/** The client interceptors that start a trace at the caller (start, signal, query) when tracing is on. */
export function tracingClientInterceptors(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>): { workflow: OpenTelemetryWorkflowClientInterceptor[] } | undefined {
  return config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined ? undefined : { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
