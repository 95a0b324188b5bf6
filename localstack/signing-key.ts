/**
 * The stack's own signing secret, read and rotated from outside (`tempora auth rotate|status`):
 * on the local stack, or with `--aws` on AWS (the default credential chain, `AWS_REGION`).
 * The secret's value is a bare key or the rotation JSON of lib/auth/platform-keys.ts.
 */
import {
  newPlatformKey,
  type PlatformKeys,
  parsePlatformKeys,
  rotatePlatformKeys,
} from '../lib/auth/platform-keys.ts';
import type { LocalConfig } from './config.ts';
import { LocalError } from './progress.ts';
import { clientConfig, outputsOf, secretValueOf, writeSecret } from './stack.ts';
import { localSigningSecret } from './token.ts';

/** Where the secret is: read it (with its ARN) and write a new value. */
export interface SecretStore {
  read(): Promise<{ arn: string; value: string }>;
  write(arn: string, value: string): Promise<void>;
}

export const localSecretStore = (cfg: LocalConfig): SecretStore => ({
  read: () => localSigningSecret(cfg),
  write: (arn, value) => writeSecret(clientConfig(cfg.endpoint, cfg.region), arn, value),
});

/** The secret of stack `stackName` on AWS (output `JwtSecretArn`). */
export function awsSecretStore(stackName: string, region: string | undefined): SecretStore {
  const settings = region ? { region } : {};
  return {
    async read() {
      const arn = (await outputsOf(settings, stackName)).JwtSecretArn;
      if (!arn) throw new LocalError(`stack ${stackName} has no JwtSecretArn output`);
      return { arn, value: await secretValueOf(settings, arn) };
    },
    write: (arn, value) => writeSecret(settings, arn, value),
  };
}

/** The keys the secret holds now. */
export async function signingKeys(store: SecretStore): Promise<PlatformKeys> {
  return parsePlatformKeys((await store.read()).value);
}

/** Rotates: a new current key, the old one honoured for `graceSeconds`. Returns the keys after. */
export async function rotateSigningKey(
  store: SecretStore,
  opts: { graceSeconds: number; force?: boolean; now?: number },
): Promise<PlatformKeys> {
  const { arn, value } = await store.read();
  const next = rotatePlatformKeys(value, newPlatformKey(), {
    graceSeconds: opts.graceSeconds,
    now: opts.now ?? Date.now(),
    ...(opts.force ? { force: true } : {}),
  });
  await store.write(arn, next);
  return parsePlatformKeys(next);
}
