/** Tokens for arbitrary principals, signed with the deployed stack's JWT secret (tests only). */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mintToken } from '../../../lib/auth/tokens.ts';
import type { Role } from '../../../lib/registry/types.ts';
import { emulatorClientConfig } from '../../kit/emulator.ts';
import { loadOutputs } from './outputs.ts';

let secret: Promise<string> | undefined;

export async function tokenFor(sub: string, role: Role): Promise<string> {
  secret ??= (async () => {
    const out = loadOutputs();
    const sm = new SecretsManagerClient(emulatorClientConfig());
    const v = await sm.send(new GetSecretValueCommand({ SecretId: out.stackOutputs.JwtSecretArn }));
    if (!v.SecretString) throw new Error('JWT secret has no value');
    return v.SecretString;
  })();
  return mintToken(await secret, { sub, role }, 3600);
}
