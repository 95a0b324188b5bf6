/**
 * `Tempora-<env>-api`: the HTTPS front door. The HTTP API with its `$default` stage and access
 * logs, every route and integration (added by the services stack through `httpApi.addRoutes`, so a
 * route declared in the registry lands here without wiring), the catch-all 404/405 function, the
 * environment's dashboard, and the alarms of what is here. Routes grow with the registry (one
 * resource each), so they get a stack of their own, apart from the functions they call.
 */
import { CfnOutput } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CatchAll } from './constructs/catch-all.ts';
import { StatelessStack, type StatelessStackProps } from './data-stack.ts';
import type { Settings } from './settings.ts';

export interface ApiStackProps extends StatelessStackProps {
  settings: Settings;
}

export class ApiStack extends StatelessStack {
  readonly httpApi: apigwv2.HttpApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { prefix, retention, removalPolicy, environment } = props.settings;
    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', { retention, removalPolicy });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `${prefix}-api`,
      description: 'Tempora HTTPS API',
      createDefaultStage: true,
    });
    const stage = this.httpApi.defaultStage?.node.defaultChild as apigwv2.CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.integrationLatency',
        ip: '$context.identity.sourceIp',
      }),
    };

    // --- $default: unknown paths and methods → the contract's 404 / 405 ---------------------
    new CatchAll(this, 'CatchAll', { api: this.httpApi, environment, retention });

    new CfnOutput(this, 'HttpApiId', { value: this.httpApi.apiId });
    new CfnOutput(this, 'HttpApiEndpoint', { value: this.httpApi.apiEndpoint });
    new CfnOutput(this, 'ConsoleUrl', { value: `${this.httpApi.apiEndpoint}/console` });
  }
}
