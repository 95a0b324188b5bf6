/**
 * `npm run demo -- <name>`: one flow of the platform, narrated, against the stack that
 * `npm run local` started. Exits 0 when the flow happened, 1 when it did not, 2 on usage.
 */
import { archive } from './archive.ts';
import { broadcast } from './broadcast.ts';
import { type Demo, DemoContext, DemoFailed, say } from './kit.ts';
import { retention } from './retention.ts';
import { translate } from './translate.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const DEMOS: Record<string, Demo> = { broadcast, retention, archive, translate };

const usage = (): string =>
  `Usage: npm run demo -- <name>\n\n${Object.entries(DEMOS)
    .map(([name, d]) => `  ${name.padEnd(10)} ${d.title} (at most ${Math.round(d.budgetMs / 60_000)} min)`)
    .join('\n')}\n\nStart the local stack first: npm run local\n`;

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const demo = DEMOS[name];
  if (!demo) {
    process.stderr.write(`Unknown demo "${name}".\n\n${usage()}`);
    return 2;
  }
  const t0 = Date.now();
  say(`demo ${name}: ${demo.title}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    const ctx = await DemoContext.open();
    await Promise.race([
      demo.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new DemoFailed(`gave up after ${Math.round(demo.budgetMs / 1000)} s`)),
          demo.budgetMs,
        );
      }),
    ]);
    say(`demo ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s: the flow happened as described.`);
    return 0;
  } catch (e) {
    if (!(e instanceof DemoFailed)) throw e;
    say(`demo ${name} FAILED: ${e.message}`);
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

process.exit(await main(process.argv.slice(2)));
