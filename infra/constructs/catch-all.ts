import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { catchAllEnv } from '../../lib/config/functions.ts';
import { ServiceFunction } from './service-function.ts';

export interface CatchAllProps {
  api: apigwv2.HttpApi;
  retention: logs.RetentionDays;
}

/**
 * The HTTP API's `$default` route on one small function (functions/catch-all): unknown paths
 * and methods answer the contract's 404 / 405 (with `Allow`, from the registry's routes).
 * No grants beyond its own logs and traces: it reads and writes nothing.
 */
export class CatchAll extends Construct {
  readonly fn: lambda.IFunction;

  constructor(scope: Construct, id: string, props: CatchAllProps) {
    super(scope, id);
    this.fn = new ServiceFunction(this, 'Function', {
      folder: 'catch-all',
      serviceName: 'catch-all',
      retention: props.retention,
      memorySize: 256,
      environment: catchAllEnv.render({}),
    }).fn;
    new apigwv2.HttpRoute(this, 'DefaultRoute', {
      httpApi: props.api,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('CatchAllIntegration', this.fn),
    });
  }
}
