/**
 * A real browser for the console tests: the project's Chromium helper (console/browser.ts:
 * Debian's `chromium` driven by puppeteer-core). Every page records what would show in the
 * console log (uncaught errors, console.error, failed loads) and saves screenshots, once the
 * page has settled, under test/output/console/ (TEMPORA_TEST_OUTPUT overrides test/output).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { pngSize, settle } from '../../../console/browser.ts';

export { CHROMIUM, launchBrowser, pngSize } from '../../../console/browser.ts';

export const SCREENSHOTS = join(
  resolve(process.env.TEMPORA_TEST_OUTPUT || join(import.meta.dirname, '..', '..', 'output')),
  'console',
);

/** One browser tab on the console, with what it logged. */
export class ConsoleTab {
  /** Uncaught exceptions, console.error calls and failed loads, in order. */
  readonly problems: string[] = [];
  /** HTTP statuses ≥ 400 the test expects the page to meet (and show): not counted as problems. */
  private readonly expected = new Set<number>();

  private constructor(readonly page: Page) {
    page.on('pageerror', (e) => this.problems.push(`page error: ${(e as Error).message ?? String(e)}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const status = /status of (\d{3})/.exec(m.text())?.[1];
      if (status && this.expected.has(Number(status))) return;
      this.problems.push(`console.error: ${m.text()} ${m.location().url ?? ''}`.trim());
    });
    page.on('requestfailed', (r) => {
      // A WebSocket closed by navigation, or a request cancelled by it, is not a page problem.
      if (r.failure()?.errorText === 'net::ERR_ABORTED') return;
      this.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
    });
  }

  static async open(browser: Browser, url: string): Promise<ConsoleTab> {
    const tab = new ConsoleTab(await browser.newPage());
    await tab.page.goto(url, { waitUntil: 'domcontentloaded' });
    return tab;
  }

  /** The test expects the API to answer `status` (and the page to show it). */
  expectStatus(status: number): void {
    this.expected.add(status);
  }

  /**
   * Sets a form field to `value` in one page task, as one keystroke would: the value and its
   * `input` event land together. puppeteer's Locator.fill clears the field without an `input`
   * event and then types; a view re-rendering between the two (the campaign page renders each
   * live frame) puts the component's old value back, and "10" then "3" becomes "103".
   */
  async fill(selector: string, value: string): Promise<void> {
    const now = await this.page.$eval(
      selector,
      (el, v) => {
        // An <input> or a <textarea> (the test tsconfig has no DOM types).
        const field = el as unknown as { value: string; dispatchEvent(e: Event): boolean };
        const proto = Object.getPrototypeOf(field) as object;
        Object.getOwnPropertyDescriptor(proto, 'value')?.set?.call(field, v);
        field.dispatchEvent(new Event('input', { bubbles: true }));
        return field.value;
      },
      value,
    );
    if (now !== value)
      throw new Error(`${selector} holds ${JSON.stringify(now)} after filling ${JSON.stringify(value)}`);
  }

  /** Text of the first element matching `selector` once `accept` holds for it (polled). */
  async waitForText(
    selector: string,
    accept: (text: string) => boolean,
    timeoutMs = 15_000,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.page.$eval(selector, (el) => el.textContent ?? '').catch(() => '');
      if (accept(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `timed out after ${timeoutMs} ms waiting on ${selector}; last text: ${last.slice(0, 500)}`,
    );
  }

  /** Waits for the page to settle (console/browser.ts `settle`); throws naming what is still busy. */
  async settled(timeoutMs = 30_000): Promise<void> {
    const busy = await settle(this.page, timeoutMs);
    if (busy.length > 0)
      throw new Error(`the page did not settle in ${timeoutMs} ms: still ${busy.join('; ')}`);
  }

  /**
   * Once the page has settled, saves the whole page (or the first element matching `selector`)
   * as test/output/console/<name>.png; returns its path and size.
   */
  async screenshot(
    name: string,
    selector?: string,
  ): Promise<{ path: string; width: number; height: number }> {
    await this.settled();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `${name}.png`) as `${string}.png`;
    const target: Page | ElementHandle | null = selector ? await this.page.$(selector) : this.page;
    if (!target) throw new Error(`no element ${selector} to take a screenshot of`);
    await target.screenshot(selector ? { path } : { path, fullPage: true });
    return { path, ...pngSize(readFileSync(path)) };
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
