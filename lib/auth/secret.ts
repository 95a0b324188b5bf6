import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { config } from '../config.ts';

/** Signing key of the platform's JWTs, cached by Powertools Parameters for 5 minutes. */
export async function signingKey(): Promise<string> {
  const id = config().jwtSecretId;
  if (!id) throw new Error('JWT_SECRET_ID is not configured');
  const v = await getSecret(id, { maxAge: 300 });
  if (typeof v !== 'string' || v.length < 32) throw new Error('JWT signing secret is missing or too short');
  return v;
}
