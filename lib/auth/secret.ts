import { getSecretString } from '../aws/secrets.ts';
import { authEnv } from '../config/functions.ts';

/** How long a Lambda keeps the signing key before reading the secret again (rotation). */
const MAX_AGE_MS = 300_000;
let cached: { id: string; value: Promise<string>; expires: number } | undefined;

/** Signing key of the platform's JWTs, read from Secrets Manager and cached for 5 minutes. */
export async function signingKey(): Promise<string> {
  const id = authEnv.current().jwtSecretId;
  const now = Date.now();
  if (cached === undefined || cached.id !== id || cached.expires <= now) {
    const value = getSecretString(id);
    cached = { id, value, expires: now + MAX_AGE_MS };
    // A failed read is not cached: the next request tries again.
    value.catch(() => {
      if (cached?.value === value) cached = undefined;
    });
  }
  const v = await cached.value;
  if (v.length < 32) throw new Error('JWT signing secret is missing or too short');
  return v;
}
