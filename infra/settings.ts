/**
 * What every stack of one environment derives from its name and its configuration: the prefix
 * of physical names, whether its data is disposable, removal policy and log retention.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { EnvironmentConfig } from './config.ts';

/** Environments whose data may go with their stacks; any other name is production data. */
export const EPHEMERAL_ENVS: ReadonlySet<string> = new Set(['dev', 'test', 'local', 'ci']);

export interface Settings {
  /** `dev`, `prod`, …: the policy matrix's environment dimension. */
  environment: string;
  /** `tempora-<env>`: prefix of physical names. */
  prefix: string;
  /** Disposable data (dev, test, local, ci): tables and secret go with the stack. */
  ephemeral: boolean;
  removalPolicy: RemovalPolicy;
  retention: logs.RetentionDays;
  config: EnvironmentConfig;
}

export function settingsOf(environment: string, config: EnvironmentConfig): Settings {
  const ephemeral = EPHEMERAL_ENVS.has(environment);
  return {
    environment,
    prefix: `tempora-${environment}`,
    ephemeral,
    removalPolicy: ephemeral ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    retention: ephemeral ? logs.RetentionDays.ONE_WEEK : logs.RetentionDays.SIX_MONTHS,
    config,
  };
}
