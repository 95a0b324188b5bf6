/**
 * The project's Chromium helper: Debian's `chromium` (no browser download; `.ci/run` installs
 * it when missing, `CHROMIUM_PATH` points elsewhere) driven by puppeteer-core, and the one
 * definition of "the page has loaded" that screenshots wait for. Used by the console's browser
 * tests (test/integration/support/browser.ts) and `npx tempora console screenshot`.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 900 };

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in CI containers: Chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    defaultViewport: VIEWPORT,
  });
}

/** What still keeps the page from being settled: the text of each element marked `aria-busy="true"`. */
export async function busyParts(page: Page): Promise<string[]> {
  return page.$$eval('[aria-busy="true"]', (els) =>
    els.map((e) => (e.textContent ?? '').trim().slice(0, 80) || (e.getAttribute('data-testid') ?? e.tagName)),
  );
}

/**
 * Waits until the page shows what it loads rather than its loading state: its script has
 * rendered (`#app` holds more than the noscript fallback), the network has been idle for
 * 500 ms (an open WebSocket does not count), and no element is marked `aria-busy="true"` (the
 * console marks "Loading the graph…", the graph while it is laid out, a campaign's "waiting for
 * frames"). Resolves to what is still busy when `timeoutMs` runs out, else to [].
 */
export async function settle(page: Page, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  try {
    // Strings, evaluated in the page (this file is type-checked without the DOM's types).
    await page.waitForFunction("(document.getElementById('app')?.children.length ?? 0) > 0", {
      timeout: left(),
    });
    await page.waitForNetworkIdle({ idleTime: 500, timeout: left() });
    await page.waitForFunction(`document.querySelector('[aria-busy="true"]') === null`, {
      timeout: left(),
      polling: 100,
    });
    return [];
  } catch (e) {
    if (!(e instanceof Error) || e.name !== 'TimeoutError') throw e;
    const busy = await busyParts(page);
    return busy.length > 0 ? busy : ['the network (requests still running)'];
  }
}

/** Width and height of a PNG, from its header. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const signature = [0x89, 0x50, 0x4e, 0x47];
  if (png.byteLength < 24 || signature.some((b, i) => png[i] !== b)) throw new Error('not a PNG');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
