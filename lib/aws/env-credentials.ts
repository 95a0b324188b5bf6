/**
 * What a bundled Lambda gets in place of `@aws-sdk/credential-provider-node` (the default
 * credential chain): credentials from the environment only. Lambda (and the emulator, which
 * runs functions with test credentials) puts the role's credentials in `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, so the rest of the chain (SSO, ini files,
 * web identity, process, IMDS/ECS, and the STS/SSO clients they embed) is dead weight:
 * ~80 KB minified in every bundle. infra/bundling.ts aliases the package to this file;
 * outside a bundle (tests, scripts, benches) the SDK's own chain applies.
 */
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/** Same name and call shape as the SDK's `defaultProvider`, which each client's runtime config imports. */
export const defaultProvider = (init: FromEnvInit = {}): ReturnType<typeof fromEnv> => fromEnv(init);
