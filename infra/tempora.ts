/**
 * The whole platform of one environment: its stacks, in deploy order.
 *
 * - `Tempora-<env>` (infra/data-stack.ts): the state. Same name and logical ids as when the
 *   platform was a single stack, so upgrading an existing deployment keeps its tables.
 * - `Tempora-<env>-services` (infra/stack.ts): functions, rules, the WebSocket API, the ticker.
 * - `Tempora-<env>-api` (infra/api-stack.ts): the HTTP API, its routes, the catch-all.
 *
 * Each depends only on those before it (CDK exports/imports), so `cdk deploy --all` deploys them
 * in order, and the stateless two can be redeployed alone.
 */
import type { App, Stack, StackProps } from 'aws-cdk-lib';
import { ApiStack } from './api-stack.ts';
import { type EnvironmentConfig, resolveConfig } from './config.ts';
import { PlatformDashboard } from './constructs/dashboard.ts';
import { Watch } from './constructs/watch.ts';
import { DataStack } from './data-stack.ts';
import { stackNames } from './names.ts';
import { settingsOf } from './settings.ts';
import { suppressAcceptedFindings, TemporaStack } from './stack.ts';

export interface TemporaStacks {
  data: DataStack;
  services: TemporaStack;
  api: ApiStack;
  /** All of them, in deploy order. */
  all: Stack[];
  /** Each stack's alarms and topic, in the same order. */
  watches: Watch[];
  /** The environment's dashboard (in the API stack). */
  dashboard: PlatformDashboard;
}

export interface BuildOptions {
  environment: string;
  /** Default: {@link resolveConfig} of the environment with the app's context. */
  config?: EnvironmentConfig;
  /** Account and region (default: environment-agnostic). */
  env?: StackProps['env'];
}

export function buildTempora(app: App, opts: BuildOptions): TemporaStacks {
  const { environment } = opts;
  const config = opts.config ?? resolveConfig(environment, (k) => app.node.tryGetContext(k));
  const settings = settingsOf(environment, config);
  const names = stackNames(environment);
  const common = { env: opts.env };
  const data = new DataStack(app, names.data, {
    ...common,
    protect: !settings.ephemeral,
    description: `Tempora metadata platform (${environment}): state — tables, queues, bus, secret, schedules`,
  });
  const api = new ApiStack(app, names.api, {
    ...common,
    data,
    settings,
    description: `Tempora metadata platform (${environment}): HTTP API and routes`,
  });
  const services = new TemporaStack(app, names.services, {
    ...common,
    data,
    api,
    settings,
    description: `Tempora metadata platform (${environment}): functions, rules, live campaigns`,
  });
  const all: Stack[] = [data, services, api];
  // Alarms last: each stack's watch covers what the stack holds once everything is built.
  const labels = ['Data', 'Services', 'Api'];
  const watches = all.map((stack, i) =>
    new Watch(stack, 'Watch', { settings, label: labels[i] ?? stack.node.id }).cover(),
  );
  const dashboard = new PlatformDashboard(api, 'Dashboard', { settings, httpApi: api.httpApi, watches });
  for (const stack of all) suppressAcceptedFindings(stack);
  return { data, services, api, all, watches, dashboard };
}
