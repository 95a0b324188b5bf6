/**
 * The local platform's coordinates for integration tests: URLs, table names, dev tokens.
 * Written by the global setup (or `npm run local`) to `.local/outputs.json`.
 */
import { localPaths } from '../../../localstack/config.ts';
import { type LocalOutputs, readLocalOutputs } from '../../../localstack/outputs.ts';

export type { DevTokens, LocalOutputs } from '../../../localstack/outputs.ts';

let cached: LocalOutputs | undefined;

/**
 * Contents of the outputs file named by `TEMPORA_OUTPUTS` (set by the global setup),
 * else `.local/outputs.json`. Read once per test process.
 */
export function loadOutputs(): LocalOutputs {
  cached ??= readLocalOutputs(process.env.TEMPORA_OUTPUTS || localPaths().outputsFile);
  return cached;
}
