import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminInputError, configPatchSchema, faultConfigSchema, parseAdmin } from './admin-schemas';
import { ConnectError } from './errors';
import type { EmulatorState } from './emulator-state';
import { queueUrlFor } from './sqs';
import type { ContactChannel, ContactQuery } from './types';
import { parseJsonObject, readBody, sendJson } from './wire';

const CHANNELS: readonly string[] = ['VOICE', 'CHAT', 'OUTBOUND_REQUEST'] satisfies ContactChannel[];
const isChannel = (value: string): value is ContactChannel => CHANNELS.includes(value);

/** Contacts are written a slice at a time, so a million never becomes one string in memory. */
const STREAM_SLICE = 1000;

function contactQuery(rawQuery: string): { query: ContactQuery; offset: number; limit: number } {
  const params = new URLSearchParams(rawQuery);
  const raw = params.get('channel') ?? undefined;
  if (raw !== undefined && !isChannel(raw)) throw new AdminInputError(`channel: must be one of ${CHANNELS.join(', ')}`);
  const channel = raw;
  const count = (name: string, fallback: number): number => {
    const raw = params.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new AdminInputError(`${name}: must be a non-negative integer`);
    return n;
  };
  return { query: { channel, instanceId: params.get('instanceId') ?? undefined }, offset: count('offset', 0), limit: count('limit', Infinity) };
}

/** Resolves when the client can take more, or has gone away (then the stream stops). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

async function streamContacts(state: EmulatorState, res: ServerResponse, rawQuery: string): Promise<void> {
  const { query, offset, limit } = contactQuery(rawQuery);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.write('[');
  let index = 0;
  let taken = 0;
  let separator = '';
  let slice: string[] = [];
  const flush = (): boolean => {
    const more = slice.length === 0 || res.write(separator + slice.join(','));
    if (slice.length > 0) separator = ',';
    slice = [];
    return more;
  };
  for (const contact of state.contacts(query)) {
    if (index++ < offset) continue;
    if (taken++ >= limit) break;
    slice.push(JSON.stringify(contact));
    if (slice.length === STREAM_SLICE && !flush()) {
      await drained(res);
      if (res.destroyed) return;
    }
  }
  flush();
  res.end(']');
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    return parseJsonObject(await readBody(req));
  } catch (err) {
    throw new AdminInputError(err instanceof Error ? err.message : String(err));
  }
}

async function route(state: EmulatorState, req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string): Promise<void> {
  const key = `${req.method ?? 'GET'} ${path}`;
  switch (key) {
    case 'GET health':
      return sendJson(res, 200, { status: 'ok', contacts: state.store.size });
    case 'GET contacts':
      return streamContacts(state, res, rawQuery);
    case 'GET stats':
      return sendJson(res, 200, { ...state.stats.snapshot(), contactEventsQueueUrl: queueUrlFor(state.baseUrl) });
    case 'POST faults': {
      const faults = parseAdmin(faultConfigSchema, 'fault config', await readJson(req));
      state.setFaults(faults);
      return sendJson(res, 200, { faults });
    }
    case 'POST config':
      state.configure(parseAdmin(configPatchSchema, 'config', await readJson(req)));
      return sendJson(res, 200, { latencyMs: state.latencyMs });
    case 'POST reset':
      state.reset();
      return sendJson(res, 200, { reset: true });
    default:
      return sendJson(res, 404, { Message: `No emulator admin endpoint ${key}. Try GET health|contacts|stats, POST faults|config|reset.` });
  }
}

/** The unsigned admin API under /_emulator/: inspect and steer the emulator while it runs. */
export async function handleAdmin(state: EmulatorState, req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string): Promise<void> {
  try {
    await route(state, req, res, path, rawQuery);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
    } else if (err instanceof AdminInputError || err instanceof ConnectError) {
      sendJson(res, 400, { Message: err.message });
    } else {
      state.log(`admin ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      sendJson(res, 500, { Message: 'The emulator failed to answer this admin request.' });
    }
  }
}
