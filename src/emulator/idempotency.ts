import { createHash } from 'node:crypto';

/** Connect keeps a ClientToken's outcome for 7 days. */
export const TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface StoredOutcome<T> {
  fingerprint: string;
  expiresAt: number;
  outcome: T;
}

export type TokenLookup<T> = { kind: 'new' } | { kind: 'replay'; outcome: T } | { kind: 'mismatch' };

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = canonical((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

/** What a token is bound to: the instance and the body without the token, key order ignored. */
export function fingerprint(instanceId: string, body: Record<string, unknown>): string {
  const { ClientToken: _token, ...rest } = body;
  return createHash('sha256')
    .update(JSON.stringify([instanceId, canonical(rest)]))
    .digest('base64');
}

/**
 * Outcomes by ClientToken for one operation. Entries are kept in insertion order, which is
 * expiry order while the clock moves forward, so expired ones are swept from the front.
 */
export class TokenStore<T> {
  private readonly entries = new Map<string, StoredOutcome<T>>();

  lookup(token: string, print: string, now: number): TokenLookup<T> {
    const stored = this.entries.get(token);
    if (stored === undefined) return { kind: 'new' };
    if (stored.expiresAt <= now) {
      this.entries.delete(token);
      return { kind: 'new' };
    }
    return stored.fingerprint === print ? { kind: 'replay', outcome: stored.outcome } : { kind: 'mismatch' };
  }

  remember(token: string, print: string, outcome: T, now: number): void {
    this.sweep(now);
    this.entries.set(token, { fingerprint: print, expiresAt: now + TOKEN_TTL_MS, outcome });
  }

  clear(): void {
    this.entries.clear();
  }

  private sweep(now: number): void {
    for (const [token, stored] of this.entries) {
      if (stored.expiresAt > now) return;
      this.entries.delete(token);
    }
  }
}
