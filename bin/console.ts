/**
 * `tempora console screenshot [<view>] [--out file.png] [--role admin|user|service] …`: a
 * screenshot of the local stack's operator console taken once the page has loaded what it
 * shows (console/browser.ts `settle`), not the moment it opens ("Loading the graph…").
 * Exit codes: 0 saved, 1 no local stack, no browser, or the page did not settle in time
 * (the screenshot is saved all the same, and what was still loading is named), 2 usage error.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { launchBrowser, pngSize, settle, VIEWPORT } from '../console/browser.ts';
import { loadLocalConfig } from '../localstack/config.ts';
import { consoleLink, readLocalOutputs } from '../localstack/outputs.ts';
import { type CliIo, runCommand, UsageError } from './command.ts';

export const CONSOLE_HELP = `Usage: tempora console screenshot [<view>] [options]

A screenshot of the local stack's console (npm run local), taken once the page has loaded:
its script has rendered, the network has been idle for 500 ms, and nothing on the page is
still marked busy ("Loading the graph…", the graph being laid out, "waiting for frames").

  <view>            the page's hash route (default #/graph): #/policies, #/ask,
                    #/campaigns/<id>, #/entities/<type>/<id>

Options:
  --out <file>      where to write the PNG (default console-<view>.png)
  --role <role>     sign in with the dev token of admin (default), user or service
  --selector <css>  only this element of the page (e.g. '[data-testid="kg-diagram"]')
  --width <px>      window width (default ${VIEWPORT.width}); the whole page's height is taken
  --wait <s>        at most this long for the page to settle (default 30)
  -h, --help        this text

Reads .local/outputs.json as "npm run local" wrote it (TEMPORA_LOCAL_PORT etc. as it does);
the browser is Debian's chromium, or CHROMIUM_PATH.
Exit codes: 0 saved; 1 no local stack, no browser, or the page did not settle in time (the
screenshot is saved all the same and what was still loading is named); 2 usage error.
`;

const CONSOLE = {
  name: 'console',
  help: CONSOLE_HELP,
  positionals: true,
  options: {
    out: { type: 'string' },
    role: { type: 'string', default: 'admin' },
    selector: { type: 'string' },
    width: { type: 'string' },
    wait: { type: 'string', default: '30' },
  },
} as const;

const positive = (v: string | undefined, name: string, fallback: number): number => {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${v}".`);
  return n;
};

export function runConsoleCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(CONSOLE, argv, io, async ({ values, positionals }) => {
    const [command, view = '#/graph', ...rest] = positionals;
    if (command !== 'screenshot') throw new UsageError(`Unknown console command "${command}".`);
    if (rest.length > 0) throw new UsageError(`console screenshot takes one view, got: ${rest.join(' ')}`);
    if (!view.startsWith('#/'))
      throw new UsageError(`The view is a hash route such as #/graph, got "${view}".`);
    const role = values.role;
    if (role !== 'admin' && role !== 'user' && role !== 'service')
      throw new UsageError(`--role must be admin, user or service, got "${role}".`);
    const width = positive(values.width, 'width', VIEWPORT.width);
    const waitMs = positive(values.wait, 'wait', 30) * 1000;
    const slug =
      view
        .slice(2)
        .replace(/[^\w-]+/g, '-')
        .replace(/^-|-$/g, '') || 'graph';
    const out = resolve(values.out ?? `console-${slug}.png`) as `${string}.png`;

    const outputs = readLocalOutputs(loadLocalConfig().paths.outputsFile);
    if (!outputs.consoleUrl)
      throw new Error('the local stack has no console (no consoleUrl in outputs.json)');
    const url = consoleLink(outputs.consoleUrl, outputs.tokens[role]).replace(/#\/graph$/, view);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.setViewport({ width, height: VIEWPORT.height });
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      const busy = await settle(page, waitMs);
      mkdirSync(dirname(out), { recursive: true });
      const target = values.selector ? await page.$(values.selector) : page;
      if (!target) throw new Error(`no element matches ${values.selector} on ${view}`);
      const png = await target.screenshot(values.selector ? { path: out } : { path: out, fullPage: true });
      const { width: w, height: h } = pngSize(png);
      io.out(`${out} (${w}×${h}, ${view} as ${role})\n`);
      if (busy.length === 0) return 0;
      io.err(
        `tempora console screenshot: the page did not settle in ${waitMs / 1000} s: still ${busy.join('; ')}\n`,
      );
      return 1;
    } finally {
      await browser.close();
    }
  });
}
