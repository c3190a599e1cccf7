import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConnectError } from './errors';

export interface ReceivedRequest {
  method: string;
  /** Path exactly as received (still percent-encoded): SigV4 canonicalises the encoded form. */
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SigV4Expectations {
  region: string;
  service: string;
  /** The secret for a known access key id, undefined for an unknown one. */
  secretFor(accessKeyId: string): string | undefined;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses signatures more than 15 minutes away from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

interface ParsedAuthorization {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  scopeTerminator: string;
  signedHeaders: string[];
  signature: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAuthorization(value: string): ParsedAuthorization {
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new ConnectError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${algorithm}'.`);
  }
  const params = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((p) => !params.get(p));
  if (missing.length > 0) {
    throw new ConnectError('IncompleteSignatureException', missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' '));
  }
  const credential = (params.get('Credential') ?? '').split('/');
  if (credential.length !== 5) {
    throw new ConnectError('IncompleteSignatureException', `Credential should have exactly 5 slash-delimited elements: accessKeyId/date/region/service/aws4_request.`);
  }
  const [accessKeyId = '', scopeDate = '', scopeRegion = '', scopeService = '', scopeTerminator = ''] = credential;
  return {
    accessKeyId,
    scopeDate,
    scopeRegion,
    scopeService,
    scopeTerminator,
    signedHeaders: (params.get('SignedHeaders') ?? '').split(';').map((h) => h.toLowerCase()),
    signature: params.get('Signature') ?? '',
  };
}

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConnectError('SerializationException', `Query string is not valid percent-encoding: '${text}'.`);
  }
}

function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const prev = query[key];
    query[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return query;
}

function checkScope(auth: ParsedAuthorization, expected: SigV4Expectations, amzDate: string): void {
  if (auth.scopeTerminator !== 'aws4_request') {
    throw new ConnectError('InvalidSignatureException', "Credential should be scoped with a valid terminator: 'aws4_request'.");
  }
  if (auth.scopeService !== expected.service) {
    throw new ConnectError('InvalidSignatureException', `Credential should be scoped to correct service: '${expected.service}'.`);
  }
  if (auth.scopeRegion !== expected.region) {
    throw new ConnectError('InvalidSignatureException', `Credential should be scoped to a valid region. This endpoint serves '${expected.region}', not '${auth.scopeRegion}'.`);
  }
  if (auth.scopeDate !== amzDate.slice(0, 8)) {
    throw new ConnectError('InvalidSignatureException', 'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.');
  }
}

/** One signer per principal: it caches derived signing keys, which are costly to recompute per call. */
const signers = new Map<string, SignatureV4>();

function signerFor(accessKeyId: string, secretAccessKey: string, expected: SigV4Expectations): SignatureV4 {
  const key = [accessKeyId, secretAccessKey, expected.region, expected.service].join('\0');
  let signer = signers.get(key);
  if (signer === undefined) {
    signer = new SignatureV4({
      service: expected.service,
      region: expected.region,
      credentials: { accessKeyId, secretAccessKey },
      sha256: Sha256,
      // Only what the client listed is signed: do not add a checksum header it did not send.
      applyChecksum: false,
    });
    signers.set(key, signer);
  }
  return signer;
}

function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Checks a request's SigV4 Authorization header the way AWS does: recompute the signature
 * over what was received (method, encoded path, query, the headers the client listed as
 * signed — `host` included, with its port — and the body's hash) and compare.
 * Returns the caller's access key id. Skew is measured against the real clock, not the
 * emulator's, since the SDK signs with the real one.
 */
export async function verifySigV4(req: ReceivedRequest, expected: SigV4Expectations): Promise<string> {
  const authorization = header(req.headers, 'authorization');
  if (!authorization) throw new ConnectError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const auth = parseAuthorization(authorization);

  const amzDate = header(req.headers, 'x-amz-date');
  if (!amzDate) {
    throw new ConnectError('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate) throw new ConnectError('IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`);
  if (!auth.signedHeaders.includes('host')) {
    throw new ConnectError('IncompleteSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  checkScope(auth, expected, amzDate);

  const secret = expected.secretFor(auth.accessKeyId);
  if (secret === undefined) throw new ConnectError('UnrecognizedClientException', 'The security token included in the request is invalid.');

  const now = Date.now();
  if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS) {
    throw new ConnectError('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(now - MAX_SKEW_MS)} (${formatAmzDate(now)} - 15 min.)`);
  }

  // A claimed body hash that is not the body's hash can never verify: AWS hashes what it received.
  // That includes UNSIGNED-PAYLOAD: only S3 accepts an unsigned body. Other services, Connect
  // among them, put the body's own hash in the canonical request, so a client that signed the
  // literal string gets the signature-mismatch answer (InvalidSignatureException for JSON APIs).
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  const claimedHash = header(req.headers, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash !== bodyHash) {
    throw new ConnectError('InvalidSignatureException', MISMATCH);
  }

  const signedHeaders: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = header(req.headers, name);
    if (value !== undefined) signedHeaders[name] = value;
  }
  const recomputed = await signerFor(auth.accessKeyId, secret, expected).sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: header(req.headers, 'host') ?? '',
      path: req.rawPath,
      query: parseQuery(req.rawQuery),
      headers: signedHeaders,
      body: req.body,
    },
    {
      signingDate,
      signingRegion: expected.region,
      signingService: expected.service,
      signableHeaders: new Set(auth.signedHeaders),
      // The signer always stamps x-amz-date; keep it out of the canonical headers if the client did.
      unsignableHeaders: auth.signedHeaders.includes('x-amz-date') ? undefined : new Set(['x-amz-date']),
    },
  );
  const recomputedAuth = header(recomputed.headers, 'authorization') ?? '';
  const signature = /Signature=([0-9a-f]+)/.exec(recomputedAuth)?.[1] ?? '';
  const given = Buffer.from(auth.signature);
  const wanted = Buffer.from(signature);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new ConnectError('InvalidSignatureException', MISMATCH);
  }
  return auth.accessKeyId;
}
