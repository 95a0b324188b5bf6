/**
 * `Tempora-<env>-api`: the HTTPS front door. The HTTP API with its `$default` stage and access
 * logs, every route and integration (added by the services stack through `httpApi.addRoutes`, so a
 * route declared in the registry lands here without wiring), API Gateway's JWT authorizer on the
 * protected routes where the trusted issuers allow one, the catch-all 404/405 function, the
 * environment's dashboard, and the alarms of what is here. Routes grow with the registry (one
 * resource each), so they get a stack of their own, apart from the functions they call.
 */
import { CfnOutput } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { gatewayRoutes, routeKey } from '../lib/registry/index.ts';
import { CatchAll } from './constructs/catch-all.ts';
import { EdgeAuth } from './constructs/edge-auth.ts';
import { StatelessStack, type StatelessStackProps } from './data-stack.ts';
import type { Settings } from './settings.ts';

export interface ApiStackProps extends StatelessStackProps {
  settings: Settings;
}

export class ApiStack extends StatelessStack {
  readonly httpApi: apigwv2.HttpApi;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { prefix, retention, removalPolicy } = props.settings;
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

    // --- API Gateway's JWT authorizer on the protected routes, where it can check every token ---
    new EdgeAuth(this, 'EdgeAuth', {
      api: this.httpApi,
      auth: props.settings.config.auth,
      protectedRoutes: gatewayRoutes()
        .filter((r) => !r.public)
        .map(routeKey),
    });

    // --- $default: unknown paths and methods → the contract's 404 / 405 ---------------------
    new CatchAll(this, 'CatchAll', { api: this.httpApi, retention });

    new CfnOutput(this, 'HttpApiId', { value: this.httpApi.apiId });
    new CfnOutput(this, 'HttpApiEndpoint', { value: this.httpApi.apiEndpoint });
    new CfnOutput(this, 'ConsoleUrl', { value: `${this.httpApi.apiEndpoint}/console` });
  }
}
