/**
 * `npm run local[:down|:reset|:deploy]`: the local AWS platform on an emulator.
 * Run through localstack/local.mjs (which installs node_modules first when needed).
 *
 *   up       start MiniStack (or use AWS_ENDPOINT_URL), deploy, write .local/outputs.json
 *   deploy   bootstrap if needed + cdk deploy to the running emulator, rewrite the outputs
 *   down     stop the MiniStack started by `up` (by the pid in .local/ministack.pid)
 *   reset    wipe all emulator state, deploy again, rewrite the outputs
 *   outputs  print .local/outputs.json
 *
 * `--verbose` (up, deploy, reset): the summary lists the bus, the bucket, the tables and the
 * dead-letter queues too; otherwise they are only in .local/outputs.json.
 *
 * See docs/local.md.
 */
import { readFileSync } from 'node:fs';
import { loadLocalConfig } from './config.ts';
import { stopEmulator } from './emulator.ts';
import { readLocalOutputs } from './outputs.ts';
import { deployPlatform, printSummary, resetPlatform, upPlatform } from './platform.ts';
import { info, LocalError } from './progress.ts';

const USAGE = `usage: node localstack/local.mjs <command> [--verbose]

commands:
  up       start the emulator if needed, deploy Tempora-<env>, write .local/outputs.json
  deploy   deploy to the running emulator and rewrite .local/outputs.json
  down     stop the MiniStack started by "up" (by its pid file)
  reset    wipe all emulator state, then deploy again
  outputs  print .local/outputs.json

options:
  --verbose, -v  up, deploy, reset: also print the bus, the bucket, every table and every
                 dead-letter queue (always in .local/outputs.json)

environment:
  AWS_ENDPOINT_URL     use this emulator (e.g. LocalStack) instead of the embedded MiniStack
  TEMPORA_LOCAL_PORT   port of the embedded MiniStack (default 4566)
  TEMPORA_ENV          stack environment (default dev)
  AWS_REGION           region (default us-east-1)`;

async function main(argv: readonly string[]): Promise<number> {
  // The SDK's notice that releases after January 2027 need Node 22 would print on every run
  // of this dev tool (the project supports Node 20.19+). Honour an explicit setting.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const verbose = argv.some((a) => a === '--verbose' || a === '-v');
  const [command = 'up', ...rest] = argv.filter((a) => a !== '--verbose' && a !== '-v');
  if (rest.length > 0) throw new LocalError(`unexpected arguments: ${rest.join(' ')}\n${USAGE}`);
  const cfg = loadLocalConfig();
  switch (command) {
    case 'up': {
      const platform = await upPlatform(cfg);
      // Before the summary: the URLs, tokens and console link stay last on the screen.
      if (!cfg.external && platform.emulator.pid !== undefined) {
        info(`MiniStack keeps running (pid ${platform.emulator.pid}); stop it with "npm run local:down"`);
      }
      printSummary(platform.outputs, platform.outputsFile, platform.deadLetters, { verbose });
      return 0;
    }
    case 'deploy': {
      const { outputs, deadLetters } = await deployPlatform(cfg);
      printSummary(outputs, cfg.paths.outputsFile, deadLetters, { verbose });
      return 0;
    }
    case 'down':
      if (cfg.external) {
        info(`AWS_ENDPOINT_URL=${cfg.endpoint} is not managed by these scripts: stop that emulator yourself`);
        return 0;
      }
      await stopEmulator(cfg);
      return 0;
    case 'reset': {
      const { outputs, deadLetters } = await resetPlatform(cfg);
      printSummary(outputs, cfg.paths.outputsFile, deadLetters, { verbose });
      return 0;
    }
    case 'outputs':
      readLocalOutputs(cfg.paths.outputsFile); // validates, with a helpful error
      process.stdout.write(readFileSync(cfg.paths.outputsFile, 'utf8'));
      return 0;
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof LocalError) console.error(`[local] ${err.message}`);
    else console.error('[local] failed:', err);
    process.exit(1);
  },
);
