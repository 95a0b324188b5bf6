/**
 * Production safety of the data: on a stack that is not ephemeral (`prod`, `staging`, … — not
 * dev, test, local or ci), every DynamoDB table of the stack gets deletion protection, and a
 * table without point-in-time recovery fails the synth. An aspect, so a table added later by
 * any construct is covered without anyone remembering to. (Removal policy RETAIN keeps a table
 * when its stack is deleted; deletion protection also refuses a DeleteTable from anyone.)
 */
import { Annotations, type IAspect, Tokenization } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { IConstruct } from 'constructs';

export class TableProtection implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof dynamodb.CfnTable)) return;
    node.deletionProtectionEnabled = true;
    const pitr = node.pointInTimeRecoverySpecification;
    const enabled =
      pitr !== undefined &&
      !Tokenization.isResolvable(pitr) &&
      (pitr as dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty).pointInTimeRecoveryEnabled ===
        true;
    if (!enabled)
      Annotations.of(node).addError('Every table of a production stack keeps point-in-time recovery enabled');
  }
}
