#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { environmentConfig } from './environments.ts';
import { TemporaStack } from './stack.ts';

const app = new App();
const environment = String(app.node.tryGetContext('env') ?? process.env.TEMPORA_ENV ?? 'dev');
if (!/^[a-z][a-z0-9-]{0,15}$/.test(environment)) {
  throw new Error(`CDK context env "${environment}" must be lower-case letters, digits and dashes`);
}

const { auth } = environmentConfig(environment, {
  environments: app.node.tryGetContext('environments'),
  localIssuer: app.node.tryGetContext('localIssuer'),
});

new TemporaStack(app, `Tempora-${environment}`, {
  environment,
  auth,
  description: `Tempora metadata platform (${environment})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// cdk-nag: every synth is checked against the AWS Solutions rules; accepted findings are
// acknowledged with a reason in the stack, anything new fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
