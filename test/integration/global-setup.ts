/**
 * Vitest global setup of the integration project: the same steps as `npm run local`
 * (localstack/platform.ts), so tests always run against the current code.
 *
 * - Reuses a healthy emulator (AWS_ENDPOINT_URL, or whatever answers on TEMPORA_LOCAL_PORT),
 *   otherwise starts the embedded MiniStack and stops exactly that one in teardown (and then
 *   removes the outputs file, which described it).
 * - Always deploys (CDK skips an unchanged stack quickly) and rewrites `.local/outputs.json`,
 *   whose path it puts in `process.env.TEMPORA_OUTPUTS` (read it with support/outputs.ts).
 */
import { rmSync } from 'node:fs';
import { loadLocalConfig } from '../../localstack/config.ts';
import { stopEmulator } from '../../localstack/emulator.ts';
import { upPlatform } from '../../localstack/platform.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const cfg = loadLocalConfig();
  const { emulator, outputsFile } = await upPlatform(cfg, { stopOnFailure: true });
  process.env.TEMPORA_OUTPUTS = outputsFile;
  return async () => {
    // Only the emulator this setup started; a developer's running one stays up.
    if (emulator.startedHere && emulator.pid !== undefined && (await stopEmulator(cfg, emulator.pid))) {
      rmSync(outputsFile, { force: true }); // it described the emulator that is now gone
    }
  };
}
