/**
 * AWS SDK client configuration for the deployed local platform: the emulator's endpoint
 * and region from the outputs file, and the credentials every emulator accepts
 * (localstack/config.ts). One place, so no test spells them out.
 */
import { LOCAL_CREDENTIALS } from '../../localstack/config.ts';
import { loadOutputs } from '../integration/support/outputs.ts';

export interface EmulatorClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export function emulatorClientConfig(): EmulatorClientConfig {
  const out = loadOutputs();
  return { endpoint: out.endpoint, region: out.region, credentials: { ...LOCAL_CREDENTIALS } };
}
