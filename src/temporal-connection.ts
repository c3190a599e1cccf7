import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from './config';
import { dataConverterFrom } from './privacy/data-converter';
import type { EncryptionConfig } from './privacy/encryption-keys';
import { tracingClientInterceptors } from './telemetry/tracing';

type TemporalConfig = Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY'>;

function connectionOptions(config: TemporalConfig) {
  const mtls =
    config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY
      ? { clientCertPair: { crt: readFileSync(config.TEMPORAL_TLS_CERT), key: readFileSync(config.TEMPORAL_TLS_KEY) } }
      : undefined;
  const tls = mtls ?? (config.TEMPORAL_API_KEY !== undefined || config.TEMPORAL_TLS === 'true' ? true : undefined);
  return { address: config.TEMPORAL_ADDRESS, tls, apiKey: config.TEMPORAL_API_KEY };
}

/** A client for services and the CLI; close `client.connection` when done. */
export async function connectTemporalClient(config: TemporalConfig & EncryptionConfig & Pick<Config, 'TEMPORAL_NAMESPACE' | 'OTEL_EXPORTER_OTLP_ENDPOINT'>): Promise<Client> {
  // First: a bad key fails before any connection is made.
  const dataConverter = dataConverterFrom(config);
  const connection = await Connection.connect(connectionOptions(config));
  // With tracing on, a start, signal or query begins the trace the worker continues.
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: tracingClientInterceptors(config), dataConverter });
}

/** The worker's connection (the native one the worker needs). */
export function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}
