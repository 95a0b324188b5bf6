/**
 * Reads the deployed stack back from the emulator: its outputs and its JWT signing secret,
 * then mints the dev tokens and writes `.local/outputs.json`.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { stacksOf } from '../infra/names.ts';
import { mintDevTokens } from '../lib/auth/tokens.ts';
import { LOCAL_CREDENTIALS, type LocalConfig } from './config.ts';
import { readIssuerState } from './oidc.ts';
import {
  buildLocalOutputs,
  type DeadLetterEntry,
  type LocalOutputs,
  type OutputsInput,
  writeLocalOutputs,
} from './outputs.ts';
import { LocalError } from './progress.ts';

/** SDK client settings for the emulator at `endpoint`. */
export const clientConfig = (endpoint: string, region: string) => ({
  endpoint,
  region,
  credentials: LOCAL_CREDENTIALS,
  maxAttempts: 2,
});

/** Status of `stackName`, or null when it does not exist. */
export async function stackStatus(
  endpoint: string,
  region: string,
  stackName: string,
): Promise<string | null> {
  const cfn = new CloudFormationClient(clientConfig(endpoint, region));
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return res.Stacks?.[0]?.StackStatus ?? null;
  } catch (e) {
    if (e instanceof Error && /does not exist|not found/i.test(e.message)) return null;
    throw e;
  } finally {
    cfn.destroy();
  }
}

/** SDK client settings: the emulator's ({@link clientConfig}) or AWS's own (region only, the default credentials). */
export type ClientSettings = { endpoint?: string; region?: string; maxAttempts?: number };

/** The stack's CloudFormation outputs as a key → value map. */
export async function stackOutputs(
  endpoint: string,
  region: string,
  stackName: string,
): Promise<Record<string, string>> {
  return outputsOf(clientConfig(endpoint, region), stackName);
}

/** The outputs of `stackName` where `settings` point. */
export async function outputsOf(
  settings: ClientSettings,
  stackName: string,
): Promise<Record<string, string>> {
  const cfn = new CloudFormationClient(settings);
  try {
    const res = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = res.Stacks?.[0];
    if (!stack) throw new LocalError(`stack ${stackName} not found: run "npm run local:deploy"`);
    const out: Record<string, string> = {};
    for (const o of stack.Outputs ?? [])
      if (o.OutputKey && o.OutputValue !== undefined) out[o.OutputKey] = o.OutputValue;
    return out;
  } finally {
    cfn.destroy();
  }
}

/** CDK's own outputs behind `Fn::ImportValue` between the stacks: not part of the platform's outputs. */
const isCrossStackExport = (key: string): boolean => key.startsWith('ExportsOutput');

/**
 * The outputs of every stack of the platform whose data stack is `stackName` (`Tempora-<env>`,
 * `-services`, `-api`), as one map. Output names are unique across the stacks.
 */
export async function platformOutputs(
  endpoint: string,
  region: string,
  stackName: string,
): Promise<Record<string, string>> {
  const all = await Promise.all(stacksOf(stackName).map((s) => stackOutputs(endpoint, region, s)));
  return Object.fromEntries(all.flatMap((o) => Object.entries(o)).filter(([k]) => !isCrossStackExport(k)));
}

/** SecretString of the secret `secretId`. */
export async function readSecret(endpoint: string, region: string, secretId: string): Promise<string> {
  return secretValueOf(clientConfig(endpoint, region), secretId);
}

/** SecretString of `secretId` where `settings` point. */
export async function secretValueOf(settings: ClientSettings, secretId: string): Promise<string> {
  const sm = new SecretsManagerClient(settings);
  try {
    const res = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!res.SecretString) throw new LocalError(`secret ${secretId} has no SecretString`);
    return res.SecretString;
  } finally {
    sm.destroy();
  }
}

/** Stores `value` as the new current version of `secretId` where `settings` point. */
export async function writeSecret(settings: ClientSettings, secretId: string, value: string): Promise<void> {
  const sm = new SecretsManagerClient(settings);
  try {
    await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  } finally {
    sm.destroy();
  }
}

/**
 * Reads the stack's outputs and secret, mints dev tokens, writes `.local/outputs.json` (with
 * `deadLetterQueues` when given).
 */
export async function refreshLocalOutputs(
  cfg: LocalConfig,
  endpoint: string = cfg.endpoint,
  findEventApi?: (outputs: Record<string, string>) => Promise<OutputsInput['eventApi']>,
  deadLetterQueues?: DeadLetterEntry[],
): Promise<LocalOutputs> {
  const raw = await platformOutputs(endpoint, cfg.region, cfg.stackName);
  const secretArn = raw.JwtSecretArn;
  if (!secretArn) {
    const present = Object.keys(raw).sort().join(', ') || 'none';
    throw new LocalError(
      `the stacks of ${cfg.stackName} have no JwtSecretArn output (they have: ${present})`,
    );
  }
  const tokens = await mintDevTokens(await readSecret(endpoint, cfg.region, secretArn));
  const eventApi = await findEventApi?.(raw);
  let outputs: LocalOutputs;
  try {
    outputs = buildLocalOutputs({
      endpoint,
      region: cfg.region,
      environment: cfg.environment,
      stackName: cfg.stackName,
      stackOutputs: raw,
      tokens,
      oidcIssuer: readIssuerState(cfg)?.issuer,
      eventApi,
    });
    if (deadLetterQueues) outputs.deadLetterQueues = deadLetterQueues;
  } catch (e) {
    throw new LocalError(e instanceof Error ? e.message : String(e));
  }
  writeLocalOutputs(cfg.paths.outputsFile, outputs);
  return outputs;
}
