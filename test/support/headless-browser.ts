import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { headlessChromiumArgs } from './chromium';

export interface HeadlessBrowser {
  /** The page the tests drive, the size of an operator's screen. */
  page: Page;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

/** Headless Chromium (`executablePath` from ensureChromium) with a fresh profile of its own. */
export async function openHeadlessBrowser(executablePath: string): Promise<HeadlessBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'connect-dialer-chromium-'));
  try {
    const browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [...headlessChromiumArgs],
      viewport: { width: 1440, height: 1100 },
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    return {
      page,
      close: async () => {
        await browser.close();
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
}
