// The codec server: Temporal's codec HTTP API over the workers' key, so the Web UI (in headless
// Chromium, pointed at it with --ui-codec-endpoint) and the `temporal` CLI show encrypted
// campaigns decoded (issue 22, docs/privacy.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Page } from 'playwright-core';
import { loadConfig } from '../src/config';
import { ensureChromium } from './support/chromium';
import { openHeadlessBrowser, type HeadlessBrowser } from './support/headless-browser';
import { freePort } from '../src/dev/ports';
import { startDevServer, type DevServer } from '../src/dev/temporal-server';
import { startCodecServer, type CodecServer } from '../src/privacy/codec-server';
import { dataConverterFrom, encryptingCodecFrom } from '../src/privacy/data-converter';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { eventually } from './support/eventually';

const artifacts = resolve(__dirname, '..', 'test-artifacts');
const UI_TIMEOUT_MS = 30_000;
const TOKEN = 'codec-token-for-tests';
const config = loadConfig({ CONNECT_DIALER_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
const codec = encryptingCodecFrom(config);

const FIRST_NUMBER = '+14157770000';
const MESSAGE = 'Your appointment with Dr Quimby is on Tuesday';

interface PayloadsJson {
  payloads: { metadata?: Record<string, string>; data?: string }[];
}

async function post(server: CodecServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

function asJson(value: unknown): PayloadsJson {
  const p = defaultPayloadConverter.toPayload(value);
  return {
    payloads: [
      {
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
        data: Buffer.from(p.data ?? []).toString('base64'),
      },
    ],
  };
}

describe('the codec HTTP API', () => {
  let server: CodecServer;
  before(async () => {
    server = await startCodecServer({ codec, port: 0, allowedOrigins: ['http://127.0.0.1:8233'], token: TOKEN });
  });
  after(async () => {
    await server?.close();
  });
  const auth = { Authorization: `Bearer ${TOKEN}` };

  test('POST /encode then POST /decode gives back the payload; the encoded one holds no clear text', async () => {
    const encoded = await post(server, '/encode', asJson({ phone: FIRST_NUMBER }), auth);
    assert.equal(encoded.status, 200);
    const sealed = (await encoded.json()) as PayloadsJson;
    assert.equal(Buffer.from(sealed.payloads[0]?.metadata?.encoding ?? '', 'base64').toString(), 'binary/encrypted');
    assert.ok(!Buffer.from(sealed.payloads[0]?.data ?? '', 'base64').includes(Buffer.from(FIRST_NUMBER)));
    const decoded = await post(server, '/decode', sealed, auth);
    assert.equal(decoded.status, 200);
    assert.deepEqual(await decoded.json(), asJson({ phone: FIRST_NUMBER }));
  });

  test('CORS answers the Web UI origin and no other', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
      });
    const ui = await preflight('http://127.0.0.1:8233');
    assert.equal(ui.status, 204);
    assert.equal(ui.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8233');
    assert.match(ui.headers.get('access-control-allow-headers') ?? '', /X-Namespace/i);
    const other = await preflight('http://evil.example');
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  test('with a token, a request without it is refused; a malformed body gets 400 naming the field', async () => {
    assert.equal((await post(server, '/decode', asJson('x'))).status, 401);
    assert.equal((await post(server, '/decode', asJson('x'), { Authorization: 'Bearer wrong-token-of-same-size!' })).status, 401);
    const bad = await post(server, '/decode', { payloads: [{ data: 42 }] }, auth);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /payloads\.0\.data/);
  });
});

describe('the Web UI through the codec server, in Chromium', () => {
  let devServer: DevServer | undefined;
  let codecServer: CodecServer | undefined;
  let stack: Stack | undefined;
  let browser: HeadlessBrowser | undefined;
  let page: Page;
  let campaignId: string;

  before(
    async () => {
      const executablePath = ensureChromium();
      const uiPort = await freePort();
      codecServer = await startCodecServer({ codec, port: 0, allowedOrigins: [`http://127.0.0.1:${uiPort}`] });
      devServer = await startDevServer({ uiPort, uiCodecEndpoint: codecServer.url });
      // The stack must run on the server whose UI this test looks at.
      process.env.TEMPORAL_ADDRESS = devServer.address;
      process.env.TEMPORAL_NAMESPACE = devServer.namespace;
      stack = await startStack({ dataConverter: dataConverterFrom(config), emulator: { latencyMs: 200 } });
      campaignId = uniqueCampaignId('ui-private');
      await stack.campaigns.start({
        campaignId,
        instanceId: 'instance-1',
        defaults: campaignDefaults,
        chat: { sourcePhoneNumberArn: 'arn:aws:connect:us-east-1:123456789012:phone-number/sms-1', contactFlowId: 'flow-sms' },
        pacing: { batchSize: 5, batchesInFlight: 1 },
        dialList: {
          kind: 'inline',
          entries: Array.from({ length: 20 }, (_, i) =>
            entry(i, { RequestIdentifier: `${campaignId}-cust-${i}`, CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: `+1415777${String(i).padStart(4, '0')}` } }),
          ),
        },
      });
      await stack.campaigns.deflect(campaignId, { requestIdentifiers: [`${campaignId}-cust-19`], message: MESSAGE });
      await stack.campaigns.result(campaignId);

      browser = await openHeadlessBrowser(executablePath);
      page = browser.page;
    },
    { timeout: 15 * 60_000 },
  );
  after(async () => {
    await browser?.close();
    await stack?.stop();
    await devServer?.stop();
    await codecServer?.close();
  });

  test("the campaign's input, an activity summary with a contact's id and the deflection message show decoded", async () => {
    mkdirSync(artifacts, { recursive: true });
    await page.goto(`${devServer!.uiUrl}/namespaces/default/workflows/campaign-${campaignId}`);
    await page.getByRole('heading', { name: `campaign-${campaignId}` }).waitFor({ timeout: UI_TIMEOUT_MS });
    // Input and Results: the start input, decoded (encrypted, it would read "binary/encrypted").
    await page.getByText(`"instance-1"`).first().waitFor({ timeout: UI_TIMEOUT_MS });
    // The timeline's activity summaries, decoded: the SMS names the contact's RequestIdentifier.
    await page.getByText(`SMS to ${campaignId}-cust-19`).first().waitFor({ timeout: UI_TIMEOUT_MS });
    await page.screenshot({ path: join(artifacts, 'ui-codec-server.png'), fullPage: true });
    // The deflect signal's message, in the event history.
    try {
      await page.getByRole('tab', { name: /Event History/ }).click();
      await page.getByText('deflectToChat').first().click();
      await page.getByText(MESSAGE).first().waitFor({ timeout: UI_TIMEOUT_MS });
    } finally {
      await page.screenshot({ path: join(artifacts, 'ui-codec-server-signal.png'), fullPage: true });
    }
  });
});

describe('the dev stack with a key', () => {
  test('runs a codec server, prints its address and points its Web UI at it; Ctrl-C stops it', async () => {
    const [temporalPort, uiPort, emulatorPort, metricsPort, codecPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const dataDir = mkdtempSync(join(tmpdir(), 'connect-dialer-dev-codec-'));
    const personEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_') && k !== 'CONNECT_DIALER_DATA_DIR'));
    const ports = ['--temporal-port', temporalPort, '--ui-port', uiPort, '--emulator-port', emulatorPort, '--metrics-port', metricsPort, '--codec-port', codecPort].map(String);
    const child = spawn(process.execPath, [join(__dirname, '..', 'bin', 'connect-dialer.cjs'), 'dev', ...ports, '--data-dir', dataDir], {
      env: { ...personEnv, CONNECT_DIALER_ENCRYPTION_KEY: config.CONNECT_DIALER_ENCRYPTION_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      await eventually(
        () => `the stack to be up; output so far:\n${output}`,
        () => output.includes('Ctrl-C stops everything'),
        { timeoutMs: 150_000, intervalMs: 200 },
      );
      const codecUrl = `http://127.0.0.1:${codecPort}`;
      assert.match(output, new RegExp(`Codec server +${codecUrl.replace(/\./g, '\\.')}`));
      const sealed = await codec.encode([defaultPayloadConverter.toPayload({ phone: FIRST_NUMBER })]);
      const decoded = await fetch(`${codecUrl}/decode`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${uiPort}` },
        body: JSON.stringify({
          payloads: sealed.map((p) => ({
            metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
            data: Buffer.from(p.data ?? []).toString('base64'),
          })),
        }),
      });
      assert.equal(decoded.status, 200);
      assert.equal(decoded.headers.get('access-control-allow-origin'), `http://127.0.0.1:${uiPort}`);
      assert.deepEqual(await decoded.json(), asJson({ phone: FIRST_NUMBER }));
      const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
      assert.equal(settings.Codec?.Endpoint, codecUrl, JSON.stringify(settings));
      child.kill('SIGINT');
      assert.equal(await closed, 0, output);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
