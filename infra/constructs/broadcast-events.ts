import { Duration } from 'aws-cdk-lib';
import * as appsync from 'aws-cdk-lib/aws-appsync';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EVENTS_NAMESPACE } from '../../lib/broadcast/contract-tables.ts';

export interface BroadcastEventsProps {
  /** `tempora-<env>`: prefix of physical names. */
  prefix: string;
  /** The Lambda authorizer: who may connect and subscribe (lib/broadcast/authorizer.ts). */
  authorizer: lambda.IFunction;
  /** Who may publish (IAM): the broadcaster. */
  publishers: iam.IGrantable[];
}

/**
 * The AppSync Event API of live campaigns (the `events` transport, docs/broadcast.md): one
 * channel namespace, `campaigns`, where a client subscribes to `/campaigns/<id>` through the
 * Lambda authorizer (its Tempora token) and only the broadcaster publishes (IAM). One publish per
 * tick reaches every subscriber.
 *
 * The embedded emulator's CloudFormation cannot create `AWS::AppSync::Api` /
 * `AWS::AppSync::ChannelNamespace`; the local deploy synthesizes the stack without this construct
 * (`-c eventApi=external`) and creates the same API through the emulator's management API
 * (localstack/event-api.ts).
 */
export class BroadcastEvents extends Construct {
  readonly api: appsync.EventApi;
  readonly namespace: appsync.ChannelNamespace;

  constructor(scope: Construct, id: string, props: BroadcastEventsProps) {
    super(scope, id);
    const lambdaAuth: appsync.AppSyncAuthProvider = {
      authorizationType: appsync.AppSyncAuthorizationType.LAMBDA,
      // Decisions depend on the channel: never cached (the authorizer answers ttlOverride 0 too).
      lambdaAuthorizerConfig: { handler: props.authorizer, resultsCacheTtl: Duration.seconds(0) },
    };
    const iamAuth: appsync.AppSyncAuthProvider = { authorizationType: appsync.AppSyncAuthorizationType.IAM };
    this.api = new appsync.EventApi(this, 'Api', {
      apiName: `${props.prefix}-live`,
      authorizationConfig: {
        authProviders: [lambdaAuth, iamAuth],
        connectionAuthModeTypes: [appsync.AppSyncAuthorizationType.LAMBDA],
        defaultPublishAuthModeTypes: [appsync.AppSyncAuthorizationType.IAM],
        defaultSubscribeAuthModeTypes: [appsync.AppSyncAuthorizationType.LAMBDA],
      },
    });
    this.namespace = this.api.addChannelNamespace(EVENTS_NAMESPACE, {
      authorizationConfig: {
        publishAuthModeTypes: [appsync.AppSyncAuthorizationType.IAM],
        subscribeAuthModeTypes: [appsync.AppSyncAuthorizationType.LAMBDA],
      },
    });
    for (const publisher of props.publishers) this.namespace.grantPublish(publisher);
  }
}
