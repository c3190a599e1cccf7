import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConnectError } from './errors';

/** Bigger bodies than any valid request; refusing them keeps one bad client from exhausting memory. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Every response carries a request id, as AWS's do; call first thing. */
export function stampRequestId(res: ServerResponse): string {
  const id = randomUUID();
  res.setHeader('x-amzn-RequestId', id);
  return id;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * rest-json error: the SDK picks the exception class from x-amzn-ErrorType. Connect's
 * errors say `Message`; Outbound Campaigns v2's say `message` (`lowercase`).
 */
export function sendError(res: ServerResponse, err: ConnectError, lowercase = false): void {
  res.setHeader('x-amzn-ErrorType', err.errorType);
  sendJson(res, err.status, { ...err.details, [lowercase ? 'message' : 'Message']: err.message });
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ConnectError('RequestEntityTooLargeException', `Request body is larger than ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses a JSON object body; AWS answers anything else with SerializationException. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ConnectError('SerializationException', 'Request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConnectError('SerializationException', 'Request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
