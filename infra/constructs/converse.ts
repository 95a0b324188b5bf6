import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { converseEnv } from '../../lib/config/functions.ts';
import { converse } from '../../lib/converse/contract.ts';
import { grantTable, pitrTable } from './helpers.ts';
import { ServiceFunction } from './service-function.ts';

export interface ConverseProps {
  /** `tempora-<env>`: the table is `<prefix>-_converse_confirmations`. */
  prefix: string;
  environment: string;
  removalPolicy: RemovalPolicy;
  retention: logs.RetentionDays;
  jwtSecret: secretsmanager.ISecret;
  /** The trusted issuers (`TEMPORA_AUTH`, JSON of lib/config/auth.ts). */
  auth: string;
  /** Adds the registry's converse routes to the API for the function. */
  addRoutes: (fn: lambda.IFunction) => void;
}

/**
 * "Ask Tempora" (docs/converse.md): one function serving the registry's converse routes and one
 * table of confirmation tokens. It reads the intents, the audit trail and the knowledge graph
 * through the HTTP API with the caller's own token, so it holds no grant on their tables: its
 * only grants are its own table's items and the JWT key.
 */
export class Converse extends Construct {
  readonly table: dynamodb.Table;
  readonly fn: lambda.IFunction;

  constructor(scope: Construct, id: string, props: ConverseProps) {
    super(scope, id);
    this.table = pitrTable(this, 'Confirmations', {
      tableName: `${props.prefix}-_converse_confirmations`,
      partitionKey: 'id',
      timeToLiveAttribute: 'expires_at',
      removalPolicy: props.removalPolicy,
    });
    const fn = new ServiceFunction(this, 'Service', {
      folder: converse.folder,
      serviceName: converse.name,
      retention: props.retention,
      memorySize: 256,
      environment: converseEnv.render({
        environment: props.environment,
        confirmationsTable: this.table.tableName,
        jwtSecretId: props.jwtSecret.secretArn,
        auth: props.auth,
      }),
    }).fn;
    this.fn = fn;
    grantTable(fn, this.table, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    props.jwtSecret.grantRead(fn);
    props.addRoutes(fn);
  }
}
