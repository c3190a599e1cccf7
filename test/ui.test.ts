// The Temporal Web UI as an operator sees it: a campaign run through the real stack, then
// its page opened in headless Chromium. The run's dev server (TEMPORAL_UI_URL from
// scripts/run-tests.ts) serves the UI; run alone, this file starts a server of its own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import type { CampaignResult } from '../src/domain/progress';
import { ensureChromium } from './support/chromium';
import { openHeadlessBrowser, type HeadlessBrowser } from './support/headless-browser';
import { startDevServer, type DevServer } from '../src/dev/temporal-server';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';

const artifacts = resolve(__dirname, '..', 'test-artifacts');
const GOOD = 110;
const BAD = 3;
/** How long the UI may take to show something (it polls; a loaded 2-core machine is slow). */
const UI_TIMEOUT_MS = 30_000;

let ownServer: DevServer | undefined;
let stack: Stack | undefined;
let browser: HeadlessBrowser | undefined;
let uiUrl: string;
let campaignId: string;
let result: CampaignResult;
let page: Page;

before(
  async () => {
    // First, so a missing browser fails (or is installed) before anything else starts.
    const executablePath = ensureChromium();

    uiUrl = process.env.TEMPORAL_UI_URL ?? '';
    if (!uiUrl) {
      ownServer = await startDevServer({});
      assert.ok(ownServer.uiUrl, 'the dev server was started without its Web UI');
      uiUrl = ownServer.uiUrl;
      // The stack must run on the server whose UI this test looks at.
      process.env.TEMPORAL_ADDRESS = ownServer.address;
      process.env.TEMPORAL_NAMESPACE = ownServer.namespace;
    }

    stack = await startStack();
    campaignId = uniqueCampaignId('ui');
    const entries = Array.from({ length: GOOD + BAD }, (_, i) => (i < GOOD ? entry(i) : entry(i, { CustomerEndpoint: { Type: 'TELEPHONE_NUMBER', Address: 'not-a-number' } })));
    await stack.campaigns.start({ campaignId, instanceId: 'instance-ui', defaults: campaignDefaults, dialList: { kind: 'inline', entries } });
    result = await stack.campaigns.result(campaignId);

    browser = await openHeadlessBrowser(executablePath);
    page = browser.page;
  },
  // Installing Chromium on a clean machine takes minutes.
  { timeout: 15 * 60_000 },
);

after(async () => {
  await browser?.close();
  // The worker stays up until here: the UI asks it (by query) for the current details.
  await stack?.stop();
  await ownServer?.stop();
});

/** The campaign's workflow page, the way an operator opens it from a link. */
async function openCampaignPage(): Promise<void> {
  await page.goto(`${uiUrl}/namespaces/default/workflows/campaign-${campaignId}`);
  await page.getByRole('heading', { name: `campaign-${campaignId}` }).waitFor({ timeout: UI_TIMEOUT_MS });
}

async function openTab(name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
  await page.waitForURL(new RegExp(`/${name.toLowerCase().replace(/ /g, '-')}`), { timeout: UI_TIMEOUT_MS });
}

/**
 * A panel of the User Metadata tab: the one under the heading that names it. The UI renders
 * each panel's markdown in an iframe of its own.
 */
function metadataPanel(title: 'Summary' | 'Details' | 'Current Details'): FrameLocator {
  return page
    .locator('div')
    .filter({ has: page.getByRole('heading', { name: title, exact: true }) })
    .filter({ has: page.locator('iframe') })
    .last()
    .frameLocator('iframe');
}

describe('the Temporal Web UI shows a finished campaign', () => {
  test('the campaign ran to completion through the real stack', () => {
    assert.equal(result.status, 'COMPLETED');
    assert.equal(result.outcomes.CREATED, GOOD);
    assert.equal(result.outcomes.REJECTED, BAD);
  });

  test('User Metadata: the summary names the campaign and its instance', async () => {
    await openCampaignPage();
    await openTab('User Metadata');
    await metadataPanel('Summary').getByText(`Campaign ${campaignId} on instance instance-ui`).waitFor({ timeout: UI_TIMEOUT_MS });
    await metadataPanel('Details')
      .getByText(`${GOOD + BAD} inline entries`)
      .waitFor({ timeout: UI_TIMEOUT_MS });
  });

  test('User Metadata: the current details show the progress table', async () => {
    await openCampaignPage();
    await openTab('User Metadata');
    const details = metadataPanel('Current Details');
    // Current details come from the workflow (a query the running worker answers).
    await details.getByText('entries settled').waitFor({ timeout: UI_TIMEOUT_MS });
    const text = await details.locator('body').innerText();
    assert.match(text, /COMPLETED/);
    assert.match(text, new RegExp(`${GOOD + BAD} / ${GOOD + BAD} entries settled`));
    const row = async (outcome: string): Promise<string> => (await details.getByRole('row').filter({ hasText: outcome }).first().innerText()).replace(/\s+/g, ' ').trim();
    assert.equal(await row('CREATED'), `CREATED ${GOOD}`);
    assert.equal(await row('REJECTED'), `REJECTED ${BAD}`);
    assert.equal(await row('CANCELLED'), 'CANCELLED 0');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'ui-campaign.png'), fullPage: true });
  });

  test('Search Attributes: CampaignId and CampaignStatus', async () => {
    await openCampaignPage();
    await openTab('Search Attributes');
    const attributes = page.getByText('"CampaignId"').locator('xpath=ancestor::*[contains(., "CampaignStatus")][1]');
    await attributes.waitFor({ timeout: UI_TIMEOUT_MS });
    const text = (await attributes.innerText()).replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`"CampaignId": "${campaignId}"`));
    assert.match(text, /"CampaignStatus": "COMPLETED"/);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'ui-campaign-search-attributes.png'), fullPage: true });
  });

  test('the workflow list finds the campaign by its CampaignId search attribute', async () => {
    const query = encodeURIComponent(`CampaignId="${campaignId}"`);
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${query}`);
    const link = page.getByRole('link', { name: `campaign-${campaignId}` });
    await link.first().waitFor({ timeout: UI_TIMEOUT_MS });
    const row = (await page.getByRole('row').filter({ has: link }).first().innerText()).replace(/\s+/g, ' ');
    assert.match(row, /Completed/i);
  });
});
