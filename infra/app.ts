#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildTempora } from './tempora.ts';

const app = new App();
const environment = String(app.node.tryGetContext('env') ?? process.env.TEMPORA_ENV ?? 'dev');
if (!/^[a-z][a-z0-9-]{0,15}$/.test(environment)) {
  throw new Error(`CDK context env "${environment}" must be lower-case letters, digits and dashes`);
}

// Tempora-<env> (state), Tempora-<env>-services, Tempora-<env>-api: `cdk deploy --all`.
buildTempora(app, {
  environment,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// cdk-nag: every synth is checked against the AWS Solutions rules; accepted findings are
// acknowledged with a reason in the stack, anything new fails the synth. Deploys to the local
// emulator pass `-c nag=false` (~20 s a synth): npm test runs cdk-nag on dev and prod
// (npm run lint:cfn) and on the test stacks (test/unit/infra/infra.test.ts).
if (String(app.node.tryGetContext('nag')) !== 'false')
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
