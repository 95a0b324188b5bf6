import { CfnOutput, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  analyticsCountersEnv,
  entityWriterEnv,
  pricingEnv,
  searchIndexEnv,
  translationEnv,
} from '../../lib/config/functions.ts';
import { PROVIDER_NAMES, type ProviderName } from '../../lib/localization/contract.ts';
import type { PlatformNeed, ServiceDefinition } from '../../lib/registry/types.ts';
import { stateful } from '../data-stack.ts';
import { grantEntityStore, grantTable, pitrTable, type SharedTables } from './helpers.ts';
import { addEnvironment } from './service-function.ts';

export interface DomainConsumersProps {
  /** `tempora-<env>`: tables are `<prefix>-_search_index` and `<prefix>-_analytics_counters`. */
  prefix: string;
  removalPolicy: RemovalPolicy;
  services: readonly ServiceDefinition[];
  /** The Lambda of a registry service (built by the stack's domain-services loop). */
  functionOf: (service: ServiceDefinition) => lambda.Function;
  /** The dead-letter queue of a consuming service's events, if it has one. */
  dlqOf: (service: ServiceDefinition) => sqs.IQueue | undefined;
  /** Entity tables of the CRUD services, by service name. */
  entityTables: Record<string, dynamodb.ITable>;
  shared: SharedTables;
  /** The metadata records table (pricing rules are records of type `pricing_rule`). */
  records: dynamodb.ITable;
  /** CDK context `translationProvider` (`aws` | `offline`; default `aws`). */
  translationProvider?: string;
}

/**
 * The domain services that consume Nexus events and need more than their own table (issue 6):
 * the search index and analytics counter tables, and exactly the grants and environment each
 * registry `needs` entry stands for:
 *
 * - `entities:write` → the entity store of every CRUD service (`ENTITY_TABLES`), like the scheduler;
 * - `translation`    → `TRANSLATION_PROVIDER`, and `translate:TranslateText` when it is `aws`;
 * - `search-index`   → `SEARCH_INDEX_TABLE`: Get/Put/BatchWrite/BatchGet/Query on the index;
 * - `analytics-counters` → `ANALYTICS_COUNTERS_TABLE`: Put/Update (one transaction) and Query;
 * - `pricing-rules` → `RECORDS_TABLE`: Query on the records table only (reads pricing rules).
 */
export class DomainConsumers extends Construct {
  readonly searchIndex: dynamodb.Table;
  readonly analyticsCounters: dynamodb.Table;
  readonly translationProvider: ProviderName;

  constructor(scope: Construct, id: string, props: DomainConsumersProps) {
    super(scope, id);
    const provider = props.translationProvider ?? 'aws';
    if (!PROVIDER_NAMES.includes(provider as ProviderName)) {
      throw new Error(
        `CDK context translationProvider must be one of ${PROVIDER_NAMES.join(', ')}, got "${provider}"`,
      );
    }
    this.translationProvider = provider as ProviderName;
    const table = (cid: string, name: string) =>
      pitrTable(this, cid, {
        tableName: `${props.prefix}-${name}`,
        partitionKey: 'pk',
        sortKey: 'sk',
        timeToLiveAttribute: 'expires_at',
        removalPolicy: props.removalPolicy,
      });
    // Inverted index: word, typo and doc rows (lib/search/keys.ts); TTL on deletion tombstones.
    this.searchIndex = table('SearchIndex', '_search_index');
    // Daily counters and per-event markers (lib/analytics/counters.ts); TTL on markers.
    this.analyticsCounters = table('AnalyticsCounters', '_analytics_counters');

    const crud = props.services.filter((s) => s.crud !== false);
    const handlers: Record<PlatformNeed, ((fn: lambda.Function) => void) | undefined> = {
      'policies:write': undefined, // handled in the stack's domain-services loop
      'entities:write': (fn) => {
        grantEntityStore(
          fn,
          crud.flatMap((s) =>
            props.entityTables[s.name] ? [props.entityTables[s.name] as dynamodb.ITable] : [],
          ),
          props.shared,
          crud.map((s) => s.entity),
        );
        addEnvironment(
          fn,
          entityWriterEnv.render({
            entityTables: Stack.of(this).toJsonString(
              Object.fromEntries(Object.entries(props.entityTables).map(([k, t]) => [k, t.tableName])),
            ),
          }),
        );
      },
      translation: (fn) => {
        addEnvironment(fn, translationEnv.render({ translationProvider: this.translationProvider }));
        if (this.translationProvider !== 'aws') return;
        // TranslateText has no resource to scope to (its only resource type is custom
        // terminology, which this service does not use): covered by the function's
        // acknowledged AwsSolutions-IAM5[Resource::*] (see ServiceFunction).
        fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['translate:TranslateText'], resources: ['*'] }),
        );
      },
      'search-index': (fn) => {
        addEnvironment(fn, searchIndexEnv.render({ searchIndexTable: this.searchIndex.tableName }));
        grantTable(fn, this.searchIndex, [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
        ]);
      },
      'analytics-counters': (fn) => {
        addEnvironment(
          fn,
          analyticsCountersEnv.render({ analyticsCountersTable: this.analyticsCounters.tableName }),
        );
        grantTable(fn, this.analyticsCounters, ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']);
      },
      'pricing-rules': (fn) => {
        addEnvironment(fn, pricingEnv.render({ recordsTable: props.records.tableName }));
        grantTable(fn, props.records, ['dynamodb:Query']);
      },
    };

    const stack = Stack.of(this);
    for (const s of props.services) {
      const needs = (s.needs ?? []).filter((n) => handlers[n]);
      if (needs.length === 0) continue;
      const fn = props.functionOf(s);
      for (const n of needs) handlers[n]?.(fn);
      // Operators redrive a consumer's dead-letter queue into its function (docs/localization.md).
      const name = s.name.charAt(0).toUpperCase() + s.name.slice(1);
      new CfnOutput(stack, `${name}FunctionName`, { value: fn.functionName });
      const dlq = props.dlqOf(s);
      if (dlq) new CfnOutput(stateful(stack), `${name}EventsDlqUrl`, { value: dlq.queueUrl });
    }
    new CfnOutput(stateful(stack), 'TableSearchIndex', { value: this.searchIndex.tableName });
    new CfnOutput(stateful(stack), 'TableAnalyticsCounters', { value: this.analyticsCounters.tableName });
    new CfnOutput(stack, 'TranslationProvider', { value: this.translationProvider });
  }
}
