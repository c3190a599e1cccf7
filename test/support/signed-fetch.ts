// A request signed by hand with SigV4 (for service `connect` unless told), for what the SDK cannot be made to send.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { emulatorCredentials } from '../../src/connect-client';
import type { Emulator } from '../../src/emulator';

export interface SignedRequest {
  method: string;
  path: string;
  body: string;
  /** Extra headers, signed with the rest. */
  headers?: Record<string, string>;
  /** The signing name: 'connect' (default) or 'connect-campaigns' (Outbound Campaigns v2). */
  service?: string;
  /** Changes the body after signing, as a proxy in between might. */
  tamper?: (body: string) => string;
}

export async function signedFetch(emu: Emulator, request: SignedRequest): Promise<Response> {
  const url = new URL(emu.url);
  const signer = new SignatureV4({ service: request.service ?? 'connect', region: 'us-east-1', credentials: emulatorCredentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: request.method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: request.path,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json', ...request.headers },
    body: request.body,
  });
  const body = request.tamper ? request.tamper(request.body) : request.body;
  // fetch sends no body with GET or HEAD (the empty one was signed as such).
  return fetch(`${emu.url}${request.path}`, { method: request.method, headers: signed.headers, ...(request.method !== 'GET' && request.method !== 'HEAD' && { body }) });
}
