import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface SetupProviderProps {
  /** The function that does the work: returns `{ PhysicalResourceId, Data? }`, throws to fail. */
  onEvent: lambda.IFunction;
  retention: logs.RetentionDays;
}

/**
 * CDK's custom-resource Provider framework in front of a Tempora function: the framework's own
 * function (CDK's code, not bundled by us) invokes `onEvent` and answers CloudFormation, with
 * retries of the response and the error message of a failed call. No `isComplete` handler, so
 * no state machine: every setup step finishes within the call.
 */
export class SetupProvider extends Construct {
  readonly serviceToken: string;

  constructor(scope: Construct, id: string, props: SetupProviderProps) {
    super(scope, id);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: props.onEvent,
      logGroup: new logs.LogGroup(this, 'Logs', { retention: props.retention }),
    });
    this.serviceToken = provider.serviceToken;
    const stack = Stack.of(props.onEvent);
    const handlerId = stack.resolve(
      stack.getLogicalId(props.onEvent.node.defaultChild as CfnResource),
    ) as string;
    Validations.of(provider).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's Provider framework function: its role is CDK's (logs only, besides invoking the handler).",
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
        reason: "CDK's Provider framework invokes the handler's versions and aliases (`<arn>:*`).",
      },
    );
  }
}
