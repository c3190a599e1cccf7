import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

/**
 * The body of POST /encode and /decode, and of their answers: payloads in proto3 JSON, bytes
 * as base64, as the Temporal Web UI and `temporal --codec-endpoint` send them.
 */
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const payloadsBodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() })),
});
type PayloadsBody = z.infer<typeof payloadsBodySchema>;

/** A page of history can hold many payloads of up to 2 MB each. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface CodecServerOptions {
  codec: PayloadCodec;
  port: number;
  host?: string;
  /** Origins whose pages may call it (the Web UI's, e.g. http://localhost:8233); CORS answers only them. */
  allowedOrigins: readonly string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
}

export interface CodecServer {
  /** e.g. http://127.0.0.1:8888: what the Web UI's "Codec Server endpoint" and `--codec-endpoint` take. */
  url: string;
  close(): Promise<void>;
}

class BadRequest extends Error {}

function fromJson(body: PayloadsBody): Payload[] {
  return body.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  }));
}

function toJson(payloads: Payload[]): PayloadsBody {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

async function readBody(req: IncomingMessage): Promise<PayloadsBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('the body is not JSON');
  }
  const parsed = payloadsBodySchema.safeParse(json);
  if (!parsed.success) throw new BadRequest(parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return parsed.data;
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Temporal's codec HTTP API over this process's payload codec: the Web UI (its "Codec Server"
 * setting) and the `temporal` CLI (`--codec-endpoint`) send encrypted payloads to /decode and
 * show what comes back. It answers CORS only for the configured UI origins.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const allowed = new Set(options.allowedOrigins.map((o) => o.replace(/\/+$/, '')));
  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
      res.setHeader('Vary', 'Origin');
    }
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(origin !== undefined && allowed.has(origin) ? 204 : 403).end();
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || (path !== '/encode' && path !== '/decode')) return send(404, { message: 'POST /encode or POST /decode' });
    if (!authorized(req, options.token)) return send(401, { message: 'this codec server wants Authorization: Bearer <CONNECT_DIALER_CODEC_SERVER_TOKEN>' });
    try {
      const payloads = fromJson(await readBody(req));
      const coded = path === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      send(200, toJson(coded));
    } catch (err) {
      send(err instanceof BadRequest ? 400 : 422, { message: err instanceof Error ? err.message : String(err) });
    }
  }

  server.listen(options.port, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
