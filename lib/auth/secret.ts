import { getSecretString } from '../aws/secrets.ts';
import { authEnv } from '../config/functions.ts';
import { type PlatformKeys, parsePlatformKeys } from './platform-keys.ts';
import { type Refreshing, refreshing } from './refreshing.ts';

let source: Refreshing<PlatformKeys> | undefined;

/**
 * The platform's signing keys, read from Secrets Manager and kept 5 minutes; a token naming a key
 * the cache lacks (signed after a `tempora auth rotate`) reads the secret again, at most every 10 s.
 */
export function platformKeySource(): Refreshing<PlatformKeys> {
  source ??= refreshing(async () => parsePlatformKeys(await getSecretString(authEnv.current().jwtSecretId)), {
    maxAgeMs: 300_000,
    cooldownMs: 10_000,
    retryMs: 2_000,
  });
  return source;
}

/** The current signing key (also the root of the pagination cursors' key). */
export async function signingKey(): Promise<string> {
  return (await platformKeySource().get()).current.raw;
}
