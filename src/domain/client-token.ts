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

function fit(token: string): string {
  if (token.length <= MAX_CLIENT_TOKEN_LENGTH) return token;
  // Campaign ids are capped well below this; the hash keeps a pathological id usable.
  return `${token.slice(0, MAX_CLIENT_TOKEN_LENGTH - 17)}~${fnv1a64(token)}`;
}

function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}
