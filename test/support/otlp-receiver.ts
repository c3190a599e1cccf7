import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** The parts of an OTLP/JSON trace export the tests read. */
const exportSchema = z.object({
  resourceSpans: z.array(
    z.object({
      resource: z.object({ attributes: z.array(z.object({ key: z.string(), value: z.looseObject({ stringValue: z.string().optional() }) })) }).optional(),
      scopeSpans: z.array(z.object({ spans: z.array(z.looseObject({ name: z.string(), traceId: z.string(), spanId: z.string(), parentSpanId: z.string().optional() })) })),
    }),
  ),
});

export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  serviceName?: string;
}

export interface OtlpReceiver {
  /** What to set OTEL_EXPORTER_OTLP_ENDPOINT to. */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Requests it could not read (path, method or body), with why: an exporter defect shows here. */
  refused: string[];
  stop(): Promise<void>;
}

/** A local OTLP/HTTP collector (JSON encoding, /v1/traces) that keeps every span it is sent. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const refused: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        refused.push(`${req.method} ${req.url}`);
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = exportSchema.safeParse(JSON.parse(body));
      if (!parsed.success) {
        refused.push(`${parsed.error.message}: ${body.slice(0, 300)}`);
        res.writeHead(400).end(parsed.error.message);
        return;
      }
      for (const rs of parsed.data.resourceSpans) {
        const serviceName = rs.resource?.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) spans.push({ name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, serviceName });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    refused,
    stop: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  };
}
