/**
 * The local platform's coordinates for integration tests: URLs, table names, dev tokens.
 * Written by the global setup (or `npm run local`) to `.local/outputs.json` (or `TEMPORA_LOCAL_DIR`).
 */
import { loadLocalConfig } from '../../../localstack/config.ts';
import { type LocalOutputs, readLocalOutputs } from '../../../localstack/outputs.ts';

export type { DevTokens, LocalOutputs } from '../../../localstack/outputs.ts';

let cached: LocalOutputs | undefined;

/**
 * Contents of the outputs file named by `TEMPORA_OUTPUTS` (a test with its own emulator sets
 * it), else the platform's (`.local/outputs.json`, or under the project's `TEMPORA_LOCAL_DIR`).
 * Read once per test process.
 */
export function loadOutputs(): LocalOutputs {
  cached ??= readLocalOutputs(process.env.TEMPORA_OUTPUTS || loadLocalConfig().paths.outputsFile);
  return cached;
}
