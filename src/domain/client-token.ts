import { MAX_CLIENT_TOKEN_LENGTH } from './limits';

/**
 * Client tokens make Connect return the original contacts for a repeated request. They
 * depend only on what identifies the request durably (invariant 1): a retried activity,
 * a replay or a continued-as-new run sends the same token for the same entries.
 */
export function batchClientToken(workflowId: string, batchSeq: number): string {
  return fit(`${workflowId}/batch/${batchSeq}`);
}

/** One SMS per contact, ever: the token names the campaign and the contact. */
export function chatClientToken(workflowId: string, requestIdentifier: string): string {
  return fit(`${workflowId}/chat/${requestIdentifier}`);
}

/** PutOutboundRequestBatch's clientToken: at most 200 characters of `[a-zA-Z0-9_\-.]`. */
const MAX_OUTBOUND_REQUEST_TOKEN_LENGTH = 200;
const OUTBOUND_TOKEN_PATTERN = /^[a-zA-Z0-9_\-.]+$/;

/**
 * Outbound Campaigns v2 takes one token per request, not per batch. It depends only on the
 * workflow id, the entry's index in the dial list and its send (1 for the first): a retried
 * activity, a replay or a continued-as-new run resends the same token, and an entry sent
 * again after a per-request failure gets a new one (a token that once failed is never
 * reused). The workflow id is kept readable where its characters are allowed; any other
 * character becomes `_`, and the hash of the exact id keeps two ids that read alike apart.
 * Example: `campaign-spring.2025` entry 17, first send → `campaign-spring.2025.e17.s1.<16 hex>`.
 */
export function outboundRequestClientToken(workflowId: string, entryIndex: number, send: number): string {
  const suffix = `.e${entryIndex}.s${send}.${fnv1a64(workflowId)}`;
  const readable = workflowId.replace(/[^a-zA-Z0-9_\-.]/g, '_').slice(0, MAX_OUTBOUND_REQUEST_TOKEN_LENGTH - suffix.length);
  return `${readable}${suffix}`;
}

/**
 * The contact attribute that names the send a v2 contact was placed for: the request's
 * clientToken above, unique across campaigns (it hashes the workflow id). No contact event
 * carries the dial request's id, so the contact-event consumer reads this attribute
 * (GetContactAttributes) to find the entry (docs/call-outcomes.md). A dial list's own
 * attribute of this name is replaced.
 */
export const DIALER_REQUEST_ATTRIBUTE = 'ConnectDialerRequest';

export function isOutboundRequestToken(token: string): boolean {
  return token.length <= MAX_OUTBOUND_REQUEST_TOKEN_LENGTH && OUTBOUND_TOKEN_PATTERN.test(token);
}

function fit(token: string): string {
  if (token.length <= MAX_CLIENT_TOKEN_LENGTH) return token;
  // Campaign ids are capped well below this; the hash keeps a pathological id usable.
  return `${token.slice(0, MAX_CLIENT_TOKEN_LENGTH - 17)}~${fnv1a64(token)}`;
}

/** 64-bit FNV-1a of a string, as 16 hex digits: a short, stable name for a long id. */
export function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}
