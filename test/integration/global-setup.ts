/**
 * Vitest global setup of the integration projects: the same steps as `npm run local`
 * (localstack/platform.ts), so tests always run against the current code.
 *
 * - A project names its platform through its `env` (vitest.config.ts): `TEMPORA_LOCAL_PORT` and
 *   `TEMPORA_LOCAL_DIR`, read by localstack/config.ts here, in the test workers
 *   (support/outputs.ts) and in every command a test runs (they inherit the workers' env).
 *   Projects naming the same platform share it: vitest calls this once per project, in one
 *   process, and the platform is brought up once.
 * - A platform reuses a healthy emulator (AWS_ENDPOINT_URL, or whatever answers on its port),
 *   otherwise starts the embedded MiniStack and stops exactly that one after the last project
 *   using it has finished (and then removes the outputs file, which described it).
 * - Always deploys (CDK skips unchanged stacks quickly) and rewrites the platform's
 *   `outputs.json` (read it with support/outputs.ts).
 */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { loadLocalConfig } from '../../localstack/config.ts';
import { stopEmulator } from '../../localstack/emulator.ts';
import { type Platform, upPlatform } from '../../localstack/platform.ts';

interface Shared {
  platform: Promise<Platform>;
  projects: number;
}
const KEY = Symbol.for('tempora.integration.platforms');
const shared = globalThis as { [KEY]?: Map<string, Shared> };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cfg = loadLocalConfig({ ...process.env, ...project.config.env });
  shared[KEY] ??= new Map();
  const platforms = shared[KEY];
  const key = `${cfg.endpoint} ${cfg.paths.localDir}`;
  let mine = platforms.get(key);
  if (!mine) {
    mine = { platform: upPlatform(cfg, { stopOnFailure: true }), projects: 0 };
    platforms.set(key, mine);
  }
  const platform = mine;
  platform.projects += 1;
  const { emulator, outputsFile } = await platform.platform;
  return async () => {
    platform.projects -= 1;
    if (platform.projects > 0) return;
    platforms.delete(key);
    // Only the emulator this setup started; a developer's running one stays up.
    if (emulator.startedHere && emulator.pid !== undefined && (await stopEmulator(cfg, emulator.pid))) {
      rmSync(outputsFile, { force: true }); // it described the emulator that is now gone
    }
  };
}
