/**
 * The stacks of one environment, in deploy order (each depends only on those before it). Plain
 * strings, no CDK import: the local tooling (localstack/) reads them too.
 */
export interface StackNames {
  /** Tables, queues, the bus, the secret, the schedule group, the bucket (infra/data-stack.ts). */
  data: string;
  /** Functions, rules, the WebSocket API, the ticker state machine (infra/stack.ts). */
  services: string;
  /** The HTTP API and its routes, the catch-all, the dashboard (infra/api-stack.ts). */
  api: string;
}

export const stackNames = (environment: string): StackNames => ({
  data: `Tempora-${environment}`,
  services: `Tempora-${environment}-services`,
  api: `Tempora-${environment}-api`,
});

/** Every stack of `environment`, in deploy order. */
export const allStackNames = (environment: string): string[] => {
  const n = stackNames(environment);
  return [n.data, n.services, n.api];
};

/** Every stack of the environment whose data stack is `dataStack` (`Tempora-dev` → its three stacks). */
export const stacksOf = (dataStack: string): string[] => {
  const env = /^Tempora-([a-z][a-z0-9-]*)$/.exec(dataStack)?.[1];
  if (!env) throw new Error(`"${dataStack}" is not the data stack of an environment (Tempora-<env>)`);
  return allStackNames(env);
};
