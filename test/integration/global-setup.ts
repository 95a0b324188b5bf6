/**
 * Vitest global setup of the integration projects: the same steps as `npm run local`
 * (localstack/platform.ts), so tests always run against the current code.
 *
 * - Reuses a healthy emulator (AWS_ENDPOINT_URL, or whatever answers on TEMPORA_LOCAL_PORT),
 *   otherwise starts the embedded MiniStack and stops exactly that one in teardown (and then
 *   removes the outputs file, which described it).
 * - Always deploys (CDK skips unchanged stacks quickly) and rewrites `.local/outputs.json`,
 *   whose path it puts in `process.env.TEMPORA_OUTPUTS` (read it with support/outputs.ts).
 * - Both integration projects (vitest.config.ts: `integration`, run two files at a time, then
 *   `integration-serial`) name this setup; vitest calls it once per project, in one process, so
 *   the platform is brought up once and stopped after the last project's teardown.
 */
import { rmSync } from 'node:fs';
import { loadLocalConfig } from '../../localstack/config.ts';
import { stopEmulator } from '../../localstack/emulator.ts';
import { type Platform, upPlatform } from '../../localstack/platform.ts';

interface Shared {
  platform: Promise<Platform>;
  projects: number;
}
const KEY = Symbol.for('tempora.integration.platform');
const shared = globalThis as { [KEY]?: Shared };

export default async function setup(): Promise<() => Promise<void>> {
  const cfg = loadLocalConfig();
  shared[KEY] ??= { platform: upPlatform(cfg, { stopOnFailure: true }), projects: 0 };
  const mine = shared[KEY];
  mine.projects += 1;
  const { emulator, outputsFile } = await mine.platform;
  process.env.TEMPORA_OUTPUTS = outputsFile;
  return async () => {
    mine.projects -= 1;
    if (mine.projects > 0) return;
    delete shared[KEY];
    // Only the emulator this setup started; a developer's running one stays up.
    if (emulator.startedHere && emulator.pid !== undefined && (await stopEmulator(cfg, emulator.pid))) {
      rmSync(outputsFile, { force: true }); // it described the emulator that is now gone
    }
  };
}
