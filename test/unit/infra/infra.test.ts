import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityTable } from '../../../infra/constructs/entity-table.ts';
import { horizonSettings } from '../../../infra/constructs/scheduler-horizon.ts';
import type { TemporaStack } from '../../../infra/stack.ts';
import { SEED_POLICIES } from '../../../lib/policy/matrix.ts';
import { RECORDS_TABLE_DESIGN } from '../../../lib/records/contract.ts';
import {
  CONSOLE_ROUTES,
  gatewayRoutes,
  HEALTH_ROUTES,
  platform,
  registry,
  routeKey,
  type ServiceDefinition,
  serviceRoutes,
} from '../../../lib/registry/index.ts';
import { EntityStore } from '../../../lib/store/entity-store.ts';
import { logicalIdOf } from '../../../localstack/templates.ts';
import { mergedTemplate, platformApp } from '../support/platform.ts';
import {
  type ActionsByResource,
  asArray,
  type CfnTemplate,
  exactGrantViolations,
  type FnInfo,
  fnLabelled,
  functionsOf,
  grantMap,
  grantsOf,
  onlyResource,
  render,
  resourcesOf,
  roleGrants,
  stackArn,
  tableId,
} from '../support/template.ts';

const ENV = 'test';
const PREFIX = `tempora-${ENV}`;
/** Shared tables every service's code may touch, by physical name. */
const TABLE = {
  master: `${PREFIX}-_metadata_master`,
  outbox: `${PREFIX}-_nexus_outbox`,
  index: `${PREFIX}-_metadata_index`,
  policies: `${PREFIX}-_policies`,
};
/** Platform tables, by physical name. */
const PLATFORM_TABLE = {
  idempotency: `${PREFIX}-_idempotency`,
  intents: `${PREFIX}-_scheduler_intents`,
  jobs: `${PREFIX}-_scheduler_jobs`,
  records: `${PREFIX}-_metadata_records`,
  migrations: `${PREFIX}-_metadata_migrations`,
  amadeus: `${PREFIX}-_amadeus`,
  confirmations: `${PREFIX}-_converse_confirmations`,
};
/** Tables of the domain consumers (infra/constructs/domain-consumers.ts), by physical name. */
const CONSUMER_TABLE = {
  searchIndex: `${PREFIX}-_search_index`,
  analyticsCounters: `${PREFIX}-_analytics_counters`,
};
/** Tables of live campaigns (infra/constructs/broadcast.ts), by physical name. */
const BROADCAST_TABLE = {
  connections: `${PREFIX}-service_broadcast_connection`,
  state: `${PREFIX}-service_broadcast_state`,
};
/**
 * Functions the stack runs besides one per registry service, by construct path under the
 * stack: the Nexus outbox publisher (also POST /api/events), the platform health check
 * behind GET /api/health, the deploy-time setup custom resources (policy seed rows, bus
 * archive), the scheduler and the records service.
 */
const PLATFORM_FUNCTIONS = [
  'Nexus/Publisher',
  'PlatformHealth',
  'PlatformSetup',
  'SchedulerService',
  'RecordsService',
  'Broadcast/Service',
  'Broadcast/TickerFunction',
  'Broadcast/EventsAuthorizer',
  'Amadeus/Service',
  'CatchAll/Function',
  'Console/Function',
  'Converse/Service',
];
/**
 * CDK's custom-resource Provider framework functions (CDK's code): each calls one Tempora
 * function for its custom resources and answers CloudFormation (infra/constructs/setup-provider.ts).
 */
const PROVIDER_FUNCTIONS: Record<string, string> = {
  'PlatformSetupProvider/Provider/framework-onEvent/Resource': 'PlatformSetup',
  'Amadeus/PublishProvider/Provider/framework-onEvent/Resource': 'Amadeus/Service',
};
const isProvider = (f: FnInfo): boolean => f.path in PROVIDER_FUNCTIONS;
/** The function (construct path) serving each platform service of lib/registry/platform.ts. */
const PLATFORM_SERVICE_FUNCTION: Record<string, string> = {
  nexus: 'Nexus/Publisher',
  scheduler: 'SchedulerService',
  records: 'RecordsService',
  broadcast: 'Broadcast/Service',
  amadeus: 'Amadeus/Service',
  converse: 'Converse/Service',
};
const SCHEDULER_FN_NAME = `${PREFIX}-scheduler`;
const SCHEDULER_FN_ARN = stackArn('lambda', `function:${SCHEDULER_FN_NAME}`);
const SCHEDULES_ARN = stackArn('scheduler', `schedule/${PREFIX}/*`);
const ARCHIVE_ARN = stackArn('events', `archive/${PREFIX}-nexus`);
/** The GSIs the entity store queries: each must exist on every entity table and be granted. */
const LIST_INDEXES = [EntityStore.STATE_INDEX, EntityStore.OWNER_INDEX, EntityStore.BROADCAST_INDEX];
const XRAY: ActionsByResource = { '*': ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'] };
const SECRET_READ = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
/** A function serving an `idempotent` route: the Powertools persistence layer's calls on the idempotency records. */
const idempotencyGrants = (): ActionsByResource => ({
  [`${tableId(json, PLATFORM_TABLE.idempotency)}.Arn`]: [
    'dynamodb:DeleteItem',
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
  ],
});
/** What a Lambda's role needs to put a failed asynchronous invocation on its dead-letter queue. */
const DLQ_SEND = ['sqs:SendMessage'];
/**
 * What CDK's `SqsDlq` (the outbox stream's on-failure destination) grants: `grantSendMessages`.
 * Lambda only calls SendMessage; the two others come with CDK's helper and are accepted here.
 */
const CDK_SEND_MESSAGES = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
/** EventBridge rule targets: retried for a day, then dead-lettered. */
const RULE_RETRY_POLICY = { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 };
const EVENT_SOURCE_PATTERN = { source: [{ prefix: 'tempora.' }] };
/** One synthesis of three stacks with cdk-nag: generous headroom on a loaded machine. */
const TIMEOUT = 240_000;

const crudServices = registry.filter((s) => s.crud !== false);

// ---------------------------------------------------------------------------------------
// Template lookups

interface Ids {
  own: string;
  master: string;
  outbox: string;
  index: string;
  policies: string;
  secret: string;
}

const sharedIds = (t: CfnTemplate) => ({
  master: tableId(t, TABLE.master),
  outbox: tableId(t, TABLE.outbox),
  index: tableId(t, TABLE.index),
  policies: tableId(t, TABLE.policies),
  secret: onlyResource(t, 'AWS::SecretsManager::Secret')[0],
});

const tableIds = (t: CfnTemplate, s: ServiceDefinition): Ids => ({
  own: tableId(t, `${PREFIX}-${s.table}`),
  ...sharedIds(t),
});

/** The dead-letter queue of a function's asynchronous invocations (`Queue.Arn`), if any. */
const asyncDlqOf = (fn: FnInfo): string | undefined => {
  const dlc = fn.props.DeadLetterConfig as { TargetArn?: unknown } | undefined;
  return dlc?.TargetArn === undefined ? undefined : render(dlc.TargetArn);
};

const leadingKeys = (entities: string[]) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': entities.map((e) => `${e}#*`) },
});

/** The entity store's writes: entity items, the master row, the outbox envelope, index rows. */
const entityStoreGrants = (entityTables: string[], ids: Omit<Ids, 'own'>): ActionsByResource => ({
  ...Object.fromEntries(
    entityTables.map((own) => [
      `${own}.Arn`,
      ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
    ]),
  ),
  [`${ids.master}.Arn`]: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
  [`${ids.outbox}.Arn`]: ['dynamodb:PutItem'],
  // Shared index table: only rows under the allowed entity types (LeadingKeys condition).
  [`${ids.index}.Arn`]: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query'],
});

/**
 * LEAST PRIVILEGE of a service function: exactly what its code calls, per resource
 * (`<table>.Arn`, `<table>.Arn/index/x` = a GSI). Anything missing or extra is a finding.
 * Update here, with a reason, when a service starts calling a new API.
 */
const serviceGrants = (s: ServiceDefinition, ids: Ids, dlq: string | undefined): ActionsByResource => {
  const ownIndexes = s.crud === false ? (s.tableIndexes ?? []).map((i) => i.name) : LIST_INDEXES;
  return grantMap(
    XRAY,
    { [`${ids.secret}.Ref`]: SECRET_READ },
    s.crud === false
      ? // Immutable records: conditional put, get by id, health. No entity store, no shared tables.
        { [`${ids.own}.Arn`]: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem'] }
      : grantMap(entityStoreGrants([ids.own], ids), {
          [`${ids.own}.Arn`]: [
            'dynamodb:BatchGetItem', // tag/feature lists load entities by id
            'dynamodb:DescribeTable', // health
          ],
        }),
    Object.fromEntries(ownIndexes.map((ix) => [`${ids.own}.Arn/index/${ix}`, ['dynamodb:Query']])),
    {
      [`${ids.policies}.Arn`]: s.needs?.includes('policies:write')
        ? ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query']
        : ['dynamodb:Query'],
    },
    dlq ? { [dlq]: DLQ_SEND } : {},
    serviceRoutes(s).some((r) => r.idempotent) ? idempotencyGrants() : {},
    needGrants(s, ids),
  );
};

/** What each registry `needs` entry adds (infra/constructs/domain-consumers.ts); policies:write is above. */
function needGrants(s: ServiceDefinition, ids: Ids): ActionsByResource {
  const needs = new Set(s.needs ?? []);
  return grantMap(
    needs.has('entities:write')
      ? entityStoreGrants(
          crudServices.map((c) => tableId(json, `${PREFIX}-${c.table}`)),
          ids,
        )
      : {},
    // The synthesized stack uses the default provider (aws): TranslateText has no resource to scope to.
    needs.has('translation') ? { '*': ['translate:TranslateText'] } : {},
    needs.has('search-index')
      ? {
          [`${tableId(json, CONSUMER_TABLE.searchIndex)}.Arn`]: [
            'dynamodb:BatchGetItem',
            'dynamodb:BatchWriteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
          ],
        }
      : {},
    needs.has('analytics-counters')
      ? {
          [`${tableId(json, CONSUMER_TABLE.analyticsCounters)}.Arn`]: [
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
        }
      : {},
    // Pricing rules: one Query of the records table's `pricing_rule` partition; nothing else on it.
    needs.has('pricing-rules')
      ? { [`${tableId(json, `${PREFIX}-_metadata_records`)}.Arn`]: ['dynamodb:Query'] }
      : {},
  );
}

/**
 * Least privilege of a service function, as a list of violations (empty = compliant):
 * exactly {@link serviceGrants}; rows of the shared index table only under its own entity
 * type; nothing on any other table; no wildcard action; no `Resource: '*'` except X-Ray.
 */
function serviceLeastPrivilegeViolations(
  t: CfnTemplate,
  fns: FnInfo[],
  service: ServiceDefinition,
): string[] {
  const ids = tableIds(t, service);
  const fn = fnLabelled(fns, service.name);
  const grants = grantsOf(t, fn);
  const expected = serviceGrants(service, ids, asyncDlqOf(fn));
  const violations: string[] = [];
  const unscoped = expected['*'] ?? [];
  for (const g of grants) {
    if (g.resource === '*' && !unscoped.includes(g.action)) violations.push(`${g.action} on Resource "*"`);
  }
  const others = resourcesOf(t, 'AWS::DynamoDB::Table')
    .map(([id]) => id)
    .filter((id) => !Object.keys(expected).some((r) => r.startsWith(`${id}.`)));
  for (const g of grants) {
    const other = others.find((id) => g.resource.startsWith(`${id}.`));
    if (other) violations.push(`${g.action} on another table (${other})`);
  }
  const conditions = service.crud === false ? {} : { [`${ids.index}.Arn`]: leadingKeys([service.entity]) };
  // `entities:write` adds a second statement on the index: rows of every CRUD entity type, and no other.
  const everyType = JSON.stringify(leadingKeys(crudServices.map((c) => c.entity)));
  const checked = service.needs?.includes('entities:write')
    ? grants.map((g) =>
        g.resource === `${ids.index}.Arn` && g.condition === everyType
          ? { ...g, condition: JSON.stringify(leadingKeys([service.entity])) }
          : g,
      )
    : grants;
  return [...violations, ...exactGrantViolations(checked, expected, conditions)];
}

/** A platform without asset bundling: cheap synths for the negative tests. `stack`: the services stack. */
function unbundledApp() {
  const { app, stacks, outdir } = platformApp({ environment: ENV });
  return { app, stack: stacks.services, stacks: stacks.all, outdir };
}

const userServiceFunction = (stack: TemporaStack): lambda.Function => {
  const fn = stack.node
    .findAll()
    .find((c: IConstruct) => c instanceof lambda.Function && c.node.path.includes('/UserService/'));
  // (its table is in the data stack: stack.data)
  if (!(fn instanceof lambda.Function)) throw new Error('user service function not found');
  return fn;
};

const byName = (name: string): ServiceDefinition => {
  const s = registry.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

// ---------------------------------------------------------------------------------------
// One real synthesis (with cdk-nag), shared by every test below. Without esbuild bundling: the
// functions' code is bundled (and so proven to build) by every deploy, in the same `npm test`.

let outdir: string;
/** The platform's stacks in deploy order: data, services, api. */
let stacks: Stack[] = [];
let json: CfnTemplate;
let template: Template;
let fns: FnInfo[];
let nagError: Error | undefined;
let nagViolations: Array<{ ruleName: string; severity: string }> = [];
const tempDirs: string[] = [];

beforeAll(() => {
  const platform = platformApp({ environment: ENV });
  const { app } = platform;
  outdir = platform.outdir;
  stacks = platform.stacks.all;
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (e) {
    // cdk-nag runs after the assembly is written: the templates are still there to inspect.
    nagError = e as Error;
  }
  json = mergedTemplate(new CloudAssembly(outdir), stacks);
  template = Template.fromJSON(json as unknown as Record<string, unknown>);
  fns = functionsOf(json, stacks);
  const reportFile = path.join(outdir, 'validation-report.json');
  if (fs.existsSync(reportFile)) {
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as {
      pluginReports: Array<{ violations?: Array<{ ruleName: string; severity: string }> }>;
    };
    nagViolations = report.pluginReports.flatMap((r) => r.violations ?? []);
  }
}, TIMEOUT);

afterAll(() => {
  for (const dir of [outdir, ...tempDirs]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const services = registry.map((s) => [s.name, s] as const);
/** A rule's ARN as the data stack writes it: from the bus (its own) and the rule's fixed name. */
const ruleArn = (ruleId: string) => {
  const name = json.Resources[ruleId]?.Properties?.Name;
  const bus = onlyResource(json, 'AWS::Events::EventBus')[0];
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':events:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':rule/',
        { Ref: bus },
        `/${name}`,
      ],
    ],
  };
};
const fnAt = (fnPath: string): FnInfo => fnLabelled(fns, fnPath);
/** Rules on the Nexus bus (schedule rules, on the default bus, are not consumers). */
const busRules = () => resourcesOf(json, 'AWS::Events::Rule').filter(([, p]) => p.EventBusName !== undefined);
const schedulerFn = () => fnAt('SchedulerService');
/** The one role EventBridge Scheduler assumes. */
const scheduleInvokeRole = (): string => {
  const roles = resourcesOf(json, 'AWS::IAM::Role').filter(([, p]) =>
    JSON.stringify(p.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
  );
  expect(roles).toHaveLength(1);
  return roles[0]?.[0] ?? '';
};

/** Every consumer of Nexus events (registry and platform services): the label of its function. */
const consumerDefs = (): Array<{ name: string; label: string; consumes: readonly string[] }> => [
  ...registry
    .filter((s) => s.consumes.length > 0)
    .map((s) => ({ name: s.name, label: s.name, consumes: s.consumes })),
  ...platform
    .filter((p) => p.consumes.length > 0)
    .map((p) => ({
      name: p.name,
      label: PLATFORM_SERVICE_FUNCTION[p.name] ?? `<no function for platform service ${p.name}>`,
      consumes: p.consumes,
    })),
];
/** The consumers with their functions (fails naming the first consumer without one). */
const consumers = () => consumerDefs().map((c) => ({ ...c, fn: fnLabelled(fns, c.label) }));

describe('Lambda functions', () => {
  it('one per registry service plus the platform functions, nothing else', () => {
    expect(fns.map((f) => f.label).sort()).toEqual(
      [...registry.map((s) => s.name), ...PLATFORM_FUNCTIONS, ...Object.keys(PROVIDER_FUNCTIONS)].sort(),
    );
  });

  it.each(Object.entries(PROVIDER_FUNCTIONS))(
    'the Provider framework function %s calls %s, and only it',
    (path, handler) => {
      const provider = fnAt(path);
      const target = `${fnAt(handler).id}.Arn`;
      expect(render(provider.vars.USER_ON_EVENT_FUNCTION_ARN)).toBe(target);
      const invokes = grantsOf(json, provider).filter((g) => g.action === 'lambda:InvokeFunction');
      expect(new Set(invokes.map((g) => g.resource.replace(/:\*$/, '')))).toEqual(new Set([target]));
    },
  );

  it('every platform service of lib/registry/platform.ts has its function in the stack', () => {
    expect(platform.map((p) => p.name).sort()).toEqual(Object.keys(PLATFORM_SERVICE_FUNCTION).sort());
    for (const fnPath of Object.values(PLATFORM_SERVICE_FUNCTION))
      expect(PLATFORM_FUNCTIONS).toContain(fnPath);
  });

  it('all run nodejs22.x on arm64 with active tracing', () => {
    expect(fns.length).toBeGreaterThan(registry.length);
    for (const f of fns.filter((x) => !isProvider(x))) {
      expect({
        fn: f.path,
        runtime: f.props.Runtime,
        arch: f.props.Architectures,
        tracing: f.props.TracingConfig,
      }).toEqual({ fn: f.path, runtime: 'nodejs22.x', arch: ['arm64'], tracing: { Mode: 'Active' } });
    }
  });

  it('only the scheduler has an explicit name (its schedules target it by ARN before it exists)', () => {
    expect(
      fns.filter((f) => f.props.FunctionName !== undefined).map((f) => [f.path, f.props.FunctionName]),
    ).toEqual([['SchedulerService', SCHEDULER_FN_NAME]]);
  });

  it.each(services)('the %s function is wired to its own tables', (_n, s) => {
    const ids = tableIds(json, s);
    expect(fnLabelled(fns, s.name).vars).toMatchObject({
      TEMPORA_ENV: ENV,
      TEMPORA_SERVICE: s.name,
      ENTITY_TABLE: { Ref: ids.own },
      MASTER_TABLE: { Ref: ids.master },
      OUTBOX_TABLE: { Ref: ids.outbox },
      INDEX_TABLE: { Ref: ids.index },
      POLICIES_TABLE: { Ref: ids.policies },
      JWT_SECRET_ID: { Ref: ids.secret },
    });
  });

  it('the publisher knows the bus, the outbox (POST /api/events) and the signing key', () => {
    const bus = onlyResource(json, 'AWS::Events::EventBus')[0];
    const ids = sharedIds(json);
    expect(fnAt('Nexus/Publisher').vars).toMatchObject({
      TEMPORA_ENV: ENV,
      EVENT_BUS_NAME: { Ref: bus },
      OUTBOX_TABLE: { Ref: ids.outbox },
      JWT_SECRET_ID: { Ref: ids.secret },
    });
  });

  it('the scheduler knows its tables, its schedule group, target, role, DLQ and every CRUD entity table', () => {
    const f = schedulerFn();
    const ids = sharedIds(json);
    const [group] = onlyResource(json, 'AWS::Scheduler::ScheduleGroup');
    expect(f.vars).toMatchObject({
      TEMPORA_ENV: ENV,
      TEMPORA_SERVICE: 'scheduler',
      MASTER_TABLE: { Ref: ids.master },
      OUTBOX_TABLE: { Ref: ids.outbox },
      INDEX_TABLE: { Ref: ids.index },
      POLICIES_TABLE: { Ref: ids.policies },
      INTENTS_TABLE: { Ref: tableId(json, PLATFORM_TABLE.intents) },
      IDEMPOTENCY_TABLE: { Ref: tableId(json, PLATFORM_TABLE.idempotency) },
      SCHEDULE_GROUP: PREFIX,
      SCHEDULE_ROLE_ARN: { 'Fn::GetAtt': [scheduleInvokeRole(), 'Arn'] },
    });
    expect(render(f.vars.SCHEDULE_TARGET_ARN)).toBe(SCHEDULER_FN_ARN);
    const [queue, attr] = render(f.vars.SCHEDULE_DLQ_ARN).split('.');
    expect(attr).toBe('Arn');
    expect(json.Resources[queue ?? '']?.Type).toBe('AWS::SQS::Queue');
    expect(JSON.parse(render(f.vars.ENTITY_TABLES))).toEqual(
      Object.fromEntries(crudServices.map((s) => [s.name, `${tableId(json, `${PREFIX}-${s.table}`)}.Ref`])),
    );
    // Created after its schedule group: the group is state (the data stack, deployed first).
    expect(group.startsWith(`${stacks[0]?.stackName}/`)).toBe(true);
    expect(f.id.startsWith(`${stacks[1]?.stackName}/`)).toBe(true);
    expect(stacks[1]?.dependencies).toContain(stacks[0]);
  });

  it('the records service knows its records table; the setup function the policies table', () => {
    expect(fnAt('RecordsService').vars).toMatchObject({
      TEMPORA_ENV: ENV,
      RECORDS_TABLE: { Ref: tableId(json, PLATFORM_TABLE.records) },
      JWT_SECRET_ID: { Ref: sharedIds(json).secret },
    });
    expect(fnAt('PlatformSetup').vars).toMatchObject({
      TEMPORA_ENV: ENV,
      POLICIES_TABLE: { Ref: tableId(json, TABLE.policies) },
    });
  });

  it('every function serving a route declared idempotent knows the idempotency table, no other does', () => {
    const ref = { Ref: tableId(json, PLATFORM_TABLE.idempotency) };
    const serving = new Set([
      ...registry.filter((s) => serviceRoutes(s).some((r) => r.idempotent)).map((s) => s.name),
      ...['RecordsService', 'Nexus/Publisher', 'SchedulerService', 'Broadcast/Service', 'Converse/Service'],
    ]);
    expect(serving.size).toBeGreaterThan(10);
    for (const label of serving) expect(fnAt(label).vars.IDEMPOTENCY_TABLE, label).toEqual(ref);
    for (const f of fns.filter((f) => !serving.has(f.label) && !serving.has(f.path)))
      expect(f.vars.IDEMPOTENCY_TABLE, f.path).toBeUndefined();
  });

  it('the platform health function checks every table but the idempotency records', () => {
    const health = JSON.parse(render(fnAt('PlatformHealth').vars.HEALTH_TABLES)) as Record<string, unknown>;
    const entry = (logical: string, physical: string) => ({
      logical,
      physical: `${tableId(json, physical)}.Ref`,
    });
    expect(health).toEqual({
      _metadata_master: entry('_metadata_master', TABLE.master),
      _nexus_outbox: entry('_nexus_outbox', TABLE.outbox),
      _metadata_index: entry('_metadata_index', TABLE.index),
      _policies: entry('_policies', TABLE.policies),
      ...Object.fromEntries(registry.map((s) => [s.name, entry(s.table, `${PREFIX}-${s.table}`)])),
      _scheduler_intents: entry('_scheduler_intents', PLATFORM_TABLE.intents),
      _scheduler_jobs: entry('_scheduler_jobs', PLATFORM_TABLE.jobs),
      _metadata_records: entry('_metadata_records', PLATFORM_TABLE.records),
      _metadata_migrations: entry('_metadata_migrations', PLATFORM_TABLE.migrations),
      _amadeus: entry('_amadeus', PLATFORM_TABLE.amadeus),
      _search_index: entry('_search_index', CONSUMER_TABLE.searchIndex),
      _analytics_counters: entry('_analytics_counters', CONSUMER_TABLE.analyticsCounters),
      _broadcast_connections: entry('service_broadcast_connection', BROADCAST_TABLE.connections),
      _broadcast_state: entry('service_broadcast_state', BROADCAST_TABLE.state),
      _converse_confirmations: entry('_converse_confirmations', PLATFORM_TABLE.confirmations),
    });
  });
});

// ---------------------------------------------------------------------------------------

interface Gsi {
  IndexName: string;
  KeySchema: Array<{ AttributeName: string; KeyType: string }>;
  Projection: { ProjectionType: string };
}
const gsi = (name: string, hash: string, range: string): Gsi => ({
  IndexName: name,
  KeySchema: [
    { AttributeName: hash, KeyType: 'HASH' },
    { AttributeName: range, KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'ALL' },
});
const keys = (hash: string, range?: string) => [
  { AttributeName: hash, KeyType: 'HASH' },
  ...(range ? [{ AttributeName: range, KeyType: 'RANGE' }] : []),
];
const tableProps = (name: string): Record<string, unknown> =>
  json.Resources[tableId(json, name)]?.Properties ?? {};
const gsisOf = (name: string): Gsi[] => (tableProps(name).GlobalSecondaryIndexes as Gsi[] | undefined) ?? [];

describe('DynamoDB tables', () => {
  it('one per service plus master, outbox, index, policies, idempotency, intents and records, nothing else', () => {
    const names = resourcesOf(json, 'AWS::DynamoDB::Table').map(([, p]) => p.TableName as string);
    expect(names.sort()).toEqual(
      [
        ...registry.map((s) => `${PREFIX}-${s.table}`),
        ...Object.values(TABLE),
        ...Object.values(PLATFORM_TABLE),
        ...Object.values(CONSUMER_TABLE),
        ...Object.values(BROADCAST_TABLE),
      ].sort(),
    );
  });

  it('all are on-demand, with point-in-time recovery, destroyed with a test stack', () => {
    for (const [id, p] of resourcesOf(json, 'AWS::DynamoDB::Table')) {
      expect({
        table: p.TableName,
        billing: p.BillingMode,
        pitr: p.PointInTimeRecoverySpecification,
      }).toEqual({
        table: p.TableName,
        billing: 'PAY_PER_REQUEST',
        pitr: { PointInTimeRecoveryEnabled: true },
      });
      expect(json.Resources[id]?.DeletionPolicy).toBe('Delete');
    }
  });

  it('the tables above are keyed (and indexed) by strings only', () => {
    const named = [
      ...registry.map((s) => `${PREFIX}-${s.table}`),
      ...Object.values(TABLE),
      ...Object.values(PLATFORM_TABLE),
      ...Object.values(CONSUMER_TABLE),
    ];
    for (const name of named) {
      const types = (tableProps(name).AttributeDefinitions as Array<{ AttributeType: string }>).map(
        (a) => a.AttributeType,
      );
      expect({ name, types: [...new Set(types)] }).toEqual({ name, types: ['S'] });
    }
  });

  it.each(crudServices.map((s) => [s.name, s] as const))(
    '%s has its entity table keyed by id with exactly the list indexes the store queries',
    (_n, s) => {
      const name = `${PREFIX}-${s.table}`;
      expect(tableProps(name).KeySchema).toEqual(keys('id'));
      expect(gsisOf(name)).toEqual(
        EntityTable.ENTITY_INDEXES.map((i) => gsi(i.name, i.partitionKey, i.sortKey)),
      );
      expect(gsisOf(name).map((g) => g.IndexName)).toEqual(LIST_INDEXES);
    },
  );

  it.each(registry.filter((s) => s.crud === false).map((s) => [s.name, s] as const))(
    '%s (crud: false) has its table keyed by id with only its declared indexes',
    (_n, s) => {
      const name = `${PREFIX}-${s.table}`;
      expect(tableProps(name).KeySchema).toEqual(keys('id'));
      expect(s.tableIndexes?.length).toBeGreaterThan(0);
      expect(gsisOf(name)).toEqual((s.tableIndexes ?? []).map((i) => gsi(i.name, i.partitionKey, i.sortKey)));
    },
  );

  it('the security table is the audit trail: by_entity and by_type on at_sk', () => {
    expect(gsisOf(`${PREFIX}-service_security_audit`)).toEqual([
      gsi('by_entity', 'entity_id', 'at_sk'),
      gsi('by_type', 'type', 'at_sk'),
    ]);
  });

  it('has the shared tables with their keys, no indexes', () => {
    expect(tableProps(TABLE.master).KeySchema).toEqual(keys('pk'));
    expect(tableProps(TABLE.index).KeySchema).toEqual(keys('ix', 'sk'));
    expect(tableProps(TABLE.policies).KeySchema).toEqual(keys('environment', 'key'));
    for (const t of Object.values(TABLE)) expect(gsisOf(t)).toEqual([]);
  });

  it('has the outbox table keyed by id with a NEW_IMAGE stream and TTL on expires_at', () => {
    const p = tableProps(TABLE.outbox);
    expect(p.KeySchema).toEqual(keys('id'));
    expect(p.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
  });

  it('has the idempotency table keyed by id with TTL on expiration (Powertools defaults)', () => {
    const p = tableProps(PLATFORM_TABLE.idempotency);
    expect(p.KeySchema).toEqual(keys('id'));
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
    expect(gsisOf(PLATFORM_TABLE.idempotency)).toEqual([]);
  });

  it("has the scheduler's intents table keyed by id, indexed on run_at by entity, status, pattern and (sparse) deferral", () => {
    expect(tableProps(PLATFORM_TABLE.intents).KeySchema).toEqual(keys('id'));
    expect(gsisOf(PLATFORM_TABLE.intents)).toEqual([
      gsi('by_entity', 'entity_id', 'run_at'),
      gsi('by_status', 'status', 'run_at'),
      gsi('by_pattern', 'pattern', 'run_at'),
      gsi('by_deferred', 'deferred_key', 'run_at'),
    ]);
  });

  it("has the scheduler's bulk cancellation jobs table keyed by id, TTL on expires_at, no indexes", () => {
    expect(tableProps(PLATFORM_TABLE.jobs).KeySchema).toEqual(keys('id'));
    expect(tableProps(PLATFORM_TABLE.jobs).TimeToLiveSpecification).toEqual({
      AttributeName: 'expires_at',
      Enabled: true,
    });
    expect(gsisOf(PLATFORM_TABLE.jobs)).toEqual([]);
  });

  it('has the search index and analytics counters tables keyed by pk/sk, TTL on expires_at, no indexes', () => {
    for (const t of Object.values(CONSUMER_TABLE)) {
      expect(tableProps(t).KeySchema).toEqual(keys('pk', 'sk'));
      expect(tableProps(t).TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
      expect(gsisOf(t)).toEqual([]);
    }
  });

  it('gives the domain consumers their tables, the entity tables and the translation provider by need', () => {
    expect(fnLabelled(fns, 'search').vars.SEARCH_INDEX_TABLE).toEqual({
      Ref: tableId(json, CONSUMER_TABLE.searchIndex),
    });
    expect(fnLabelled(fns, 'analytics').vars.ANALYTICS_COUNTERS_TABLE).toEqual({
      Ref: tableId(json, CONSUMER_TABLE.analyticsCounters),
    });
    const loc = fnLabelled(fns, 'localization').vars;
    expect(loc.TRANSLATION_PROVIDER).toBe('aws');
    expect(JSON.parse(render(loc.ENTITY_TABLES))).toEqual(
      Object.fromEntries(crudServices.map((s) => [s.name, `${tableId(json, `${PREFIX}-${s.table}`)}.Ref`])),
    );
    for (const f of fns.filter((x) => !['search', 'analytics', 'localization'].includes(x.label)))
      expect([
        f.label,
        f.vars.SEARCH_INDEX_TABLE,
        f.vars.ANALYTICS_COUNTERS_TABLE,
        f.vars.TRANSLATION_PROVIDER,
      ]).toEqual([f.label, undefined, undefined, undefined]);
  });

  it('has the metadata records table exactly as RECORDS_TABLE_DESIGN', () => {
    const d = RECORDS_TABLE_DESIGN;
    expect(tableProps(PLATFORM_TABLE.records).KeySchema).toEqual(keys(d.partitionKey.name, d.sortKey.name));
    expect(gsisOf(PLATFORM_TABLE.records)).toEqual(
      d.globalSecondaryIndexes.map((g) => gsi(g.indexName, g.partitionKey.name, g.sortKey.name)),
    );
  });
});

// ---------------------------------------------------------------------------------------

describe('Nexus', () => {
  it('has the event bus tempora-test-nexus', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: `${PREFIX}-nexus` });
  });

  it('feeds the publisher from the outbox stream: INSERT only, partial batch failures, DLQ on failure', () => {
    const mappings = resourcesOf(json, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const [, m] = mappings[0] ?? ['', {}];
    expect(render(m.EventSourceArn)).toBe(`${tableId(json, TABLE.outbox)}.StreamArn`);
    expect(render(m.FunctionName)).toBe(`${fnAt('Nexus/Publisher').id}.Ref`);
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const filters = (m.FilterCriteria as { Filters: Array<{ Pattern: string }> }).Filters;
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([{ eventName: ['INSERT'] }]);
    const destination = (m.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure
      .Destination;
    const [queueId, attr] = render(destination).split('.');
    expect(attr).toBe('Arn');
    expect(json.Resources[queueId ?? '']?.Type).toBe('AWS::SQS::Queue');
  });

  it('has one Nexus rule per consumer (registry and platform), nothing else on the bus', () => {
    const expected = consumers().map((c) => `${c.fn.id}.Arn`);
    expect(expected.length).toBeGreaterThan(0);
    const targets = busRules().flatMap(([, p]) =>
      (p.Targets as Array<{ Arn: unknown }>).map((t) => render(t.Arn)),
    );
    expect(targets.sort()).toEqual(expected.sort());
  });

  it.each(['security', 'scheduler'])('%s consumes every Tempora event (`*`)', (name) => {
    const c = consumerDefs().find((x) => x.name === name);
    expect(c?.consumes).toEqual(['*']);
  });

  it('routes each consumer its events: `*` = every tempora.* source, else exactly its detail types', () => {
    const bus = onlyResource(json, 'AWS::Events::EventBus')[0];
    for (const c of consumers()) {
      const rules = busRules().filter(([, p]) =>
        (p.Targets as Array<{ Arn: unknown }>).some((t) => render(t.Arn) === `${c.fn.id}.Arn`),
      );
      expect(rules, c.name).toHaveLength(1);
      const [, rule] = rules[0] ?? ['', {}];
      const pattern = c.consumes.includes('*')
        ? EVENT_SOURCE_PATTERN
        : { ...EVENT_SOURCE_PATTERN, 'detail-type': [...c.consumes] };
      expect({
        consumer: c.name,
        bus: rule.EventBusName,
        pattern: rule.EventPattern,
        state: rule.State,
      }).toEqual({
        consumer: c.name,
        bus: { Ref: bus },
        pattern,
        state: 'ENABLED',
      });
    }
  });

  it('targets each consumer with retries and a dead-letter queue, the same as its async DLQ', () => {
    for (const c of consumers()) {
      const [ruleId, rule] =
        busRules().find(([, p]) =>
          (p.Targets as Array<{ Arn: unknown }>).some((t) => render(t.Arn) === `${c.fn.id}.Arn`),
        ) ?? [];
      const targets = rule?.Targets as Array<Record<string, unknown>>;
      expect(targets).toHaveLength(1);
      const target = targets[0] ?? {};
      expect(target.RetryPolicy).toEqual(RULE_RETRY_POLICY);
      const dlq = render((target.DeadLetterConfig as { Arn: unknown }).Arn);
      expect(json.Resources[dlq.replace(/\.Arn$/, '')]?.Type).toBe('AWS::SQS::Queue');
      // The function's asynchronous failures land in the same queue, after 2 retries.
      expect(asyncDlqOf(c.fn)).toBe(dlq);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: c.fn.id },
        MaximumRetryAttempts: 2,
      });
      // EventBridge may invoke the function and write the DLQ, for this rule only.
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [c.fn.id, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: dlq.replace(/\.Arn$/, '') }],
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sqs:SendMessage',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              // The rule is in a stateless stack: named by ARN, so the data stack never refers to it.
              Condition: { ArnEquals: { 'aws:SourceArn': ruleArn(ruleId ?? '') } },
            }),
          ]),
        }),
      });
    }
  });

  it('no function but the consumers has an async dead-letter queue', () => {
    const withDlq = fns.filter((f) => asyncDlqOf(f) !== undefined).map((f) => f.id);
    expect(withDlq.sort()).toEqual(
      consumers()
        .map((c) => c.fn.id)
        .sort(),
    );
  });
});

describe('deploy-time setup (custom resources on the platform-setup function, through the Provider framework)', () => {
  const setupProvider = () => `${fnAt('PlatformSetupProvider/Provider/framework-onEvent/Resource').id}.Arn`;
  it('seeds the policy matrix with the contract rows', () => {
    const [, seed] = onlyResource(json, 'Custom::TemporaPolicySeed');
    expect(render(seed.ServiceToken)).toBe(setupProvider());
    expect(JSON.parse(seed.seeds as string)).toEqual(SEED_POLICIES);
  });

  it('archives every Tempora event of the bus for 365 days', () => {
    const [, archive] = onlyResource(json, 'Custom::TemporaBusArchive');
    const bus = onlyResource(json, 'AWS::Events::EventBus')[0];
    const { ServiceToken, ...props } = archive;
    expect(render(ServiceToken)).toBe(setupProvider());
    expect({ ...props, busArn: render(props.busArn) }).toEqual({
      name: `${PREFIX}-nexus`,
      busArn: `${bus}.Arn`,
      eventPattern: JSON.stringify(EVENT_SOURCE_PATTERN),
      retentionDays: 365,
      description: expect.any(String),
    });
  });

  it('has no other custom resource and no old policy-seed function', () => {
    const custom = Object.values(json.Resources)
      .map((r) => r.Type)
      .filter((ty) => ty.startsWith('Custom::') || ty === 'AWS::CloudFormation::CustomResource');
    expect(custom.sort()).toEqual([
      'Custom::TemporaBusArchive',
      'Custom::TemporaKnowledgeGraph',
      'Custom::TemporaPolicySeed',
    ]);
    expect(fns.some((f) => /PolicySeed/.test(f.path))).toBe(false);
  });
});

describe('scheduler', () => {
  it('has the schedule group tempora-test', () => {
    expect(onlyResource(json, 'AWS::Scheduler::ScheduleGroup')[1]).toEqual({ Name: PREFIX });
  });

  it('has one invoke role, assumable by EventBridge Scheduler only, without managed policies', () => {
    const role = json.Resources[scheduleInvokeRole()]?.Properties ?? {};
    expect(role.AssumeRolePolicyDocument).toEqual({
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' } },
      ],
      Version: '2012-10-17',
    });
    expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('the invoke role may invoke only the scheduler function and write only its schedule DLQ', () => {
    const grants = roleGrants(json, scheduleInvokeRole());
    const dlq = render(schedulerFn().vars.SCHEDULE_DLQ_ARN);
    expect([...new Set(grants.map((g) => g.resource))].sort()).toEqual([SCHEDULER_FN_ARN, dlq].sort());
    expect(grants.filter((g) => g.resource === SCHEDULER_FN_ARN).map((g) => g.action)).toEqual([
      'lambda:InvokeFunction',
    ]);
    const sqs = grants.filter((g) => g.resource === dlq).map((g) => g.action);
    expect(sqs).toContain('sqs:SendMessage');
    for (const a of sqs) expect(CDK_SEND_MESSAGES).toContain(a);
    expect(grants.filter((g) => g.condition !== '')).toEqual([]);
  });

  it('the invoke role is exactly lambda:InvokeFunction on the function + sqs:SendMessage on the DLQ', () => {
    const dlq = render(schedulerFn().vars.SCHEDULE_DLQ_ARN);
    expect(
      exactGrantViolations(roleGrants(json, scheduleInvokeRole()), {
        [SCHEDULER_FN_ARN]: ['lambda:InvokeFunction'],
        [dlq]: ['sqs:SendMessage'],
      }),
    ).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------

/** Routes of the HTTP API (the WebSocket API's routes are checked under "live campaigns"). */
const httpRoutes = () => {
  const httpApis = resourcesOf(json, 'AWS::ApiGatewayV2::Api').filter(([, p]) => p.ProtocolType === 'HTTP');
  expect(httpApis).toHaveLength(1);
  const httpApi = httpApis[0]?.[0];
  return resourcesOf(json, 'AWS::ApiGatewayV2::Route').filter(
    ([, p]) => render(p.ApiId) === `${httpApi}.Ref`,
  );
};

describe('HTTP API', () => {
  const expectedOwners = (): Map<string, string> => {
    const owner = new Map<string, string>([
      ...HEALTH_ROUTES.map((r): [string, string] => [routeKey(r), 'PlatformHealth']),
      ...CONSOLE_ROUTES.map((r): [string, string] => [routeKey(r), 'Console/Function']),
      ['$default', 'CatchAll/Function'],
    ]);
    for (const s of registry) for (const r of serviceRoutes(s)) owner.set(routeKey(r), s.name);
    for (const p of platform)
      for (const r of p.routes)
        owner.set(routeKey(r), PLATFORM_SERVICE_FUNCTION[p.name] ?? `<no function for ${p.name}>`);
    return owner;
  };

  it('has exactly the routes of the registry, of the platform services and GET /api/health', () => {
    const expected = [
      ...registry.flatMap((s) => serviceRoutes(s).map(routeKey)),
      ...platform.flatMap((p) => p.routes.map(routeKey)),
      ...HEALTH_ROUTES.map(routeKey),
      ...CONSOLE_ROUTES.map(routeKey),
      '$default',
    ];
    const keys = httpRoutes().map(([, p]) => p.RouteKey as string);
    expect(keys.sort()).toEqual(expected.sort());
  });

  it("the catch-all's list of routes (gatewayRoutes, its 405 Allow source) is exactly the gateway's", () => {
    const keys = httpRoutes()
      .map(([, p]) => p.RouteKey as string)
      .filter((k) => k !== '$default');
    expect(gatewayRoutes().map(routeKey).sort()).toEqual(keys.sort());
  });

  it('the catch-all function ($default) has no grant beyond its traces, and no table or secret in its environment', () => {
    const fn = fnAt('CatchAll/Function');
    expect(exactGrantViolations(grantsOf(json, fn), { ...XRAY })).toEqual([]);
    expect(Object.keys(fn.vars).sort()).toEqual(
      ['POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'TEMPORA_SERVICE'].sort(),
    );
  });

  it('the console function has no grant beyond its traces; its environment names only the WebSocket API', () => {
    const fn = fnAt('Console/Function');
    expect(exactGrantViolations(grantsOf(json, fn), { ...XRAY })).toEqual([]);
    expect(Object.keys(fn.vars).sort()).toEqual(
      [
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'TEMPORA_ENV',
        'TEMPORA_SERVICE',
        'WEBSOCKET_API_ID',
        'WEBSOCKET_STAGE',
        'WEBSOCKET_URL',
      ].sort(),
    );
  });

  it('sends every route to the function that owns it', () => {
    const owner = expectedOwners();
    const labelOf = new Map(fns.map((f) => [`${f.id}.Arn`, f.label]));
    for (const [, route] of httpRoutes()) {
      const integrationId = render(route.Target)
        .replace(/^integrations\//, '')
        .replace(/\.Ref$/, '');
      const uri = render(json.Resources[integrationId]?.Properties?.IntegrationUri);
      expect({ route: route.RouteKey, fn: labelOf.get(uri) }).toEqual({
        route: route.RouteKey,
        fn: owner.get(route.RouteKey as string),
      });
    }
  });

  it('grants API Gateway ONE invoke permission per HTTP function (not one per route), on this API only', () => {
    const owners = new Set(expectedOwners().values());
    // The HTTP API's permissions (the WebSocket API's are the broadcast construct's own).
    const apiPermissions = Object.values(json.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        r.Properties?.Principal === 'apigateway.amazonaws.com' &&
        /HttpApi/.test(render(r.Properties?.SourceArn)),
    );
    expect(apiPermissions).toHaveLength(owners.size);
    expect(httpRoutes().length).toBeGreaterThan(owners.size * 3);
    // Every stage, method and path of this API (the catch-all's `$default` route: every stage and route).
    for (const p of apiPermissions)
      expect(render(p.Properties?.SourceArn)).toMatch(/HttpApi[^/]*\/\*\/\*(\/\*)?$/);
  });
});

// ---------------------------------------------------------------------------------------

describe('least privilege', () => {
  it.each(services)('the %s function has exactly its grants', (_n, s) => {
    expect(serviceLeastPrivilegeViolations(json, fns, s)).toEqual([]);
  });

  it('security: audit table get/put/describe, its two indexes, policies write, the secret; nothing shared', () => {
    const s = byName('security');
    const ids = tableIds(json, s);
    const fn = fnLabelled(fns, 'security');
    const dlq = asyncDlqOf(fn);
    expect(dlq).toBeDefined();
    expect(
      exactGrantViolations(grantsOf(json, fn), {
        ...XRAY,
        [`${ids.own}.Arn`]: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        [`${ids.own}.Arn/index/by_entity`]: ['dynamodb:Query'],
        [`${ids.own}.Arn/index/by_type`]: ['dynamodb:Query'],
        [`${ids.policies}.Arn`]: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        [`${ids.secret}.Ref`]: SECRET_READ,
        [dlq ?? '']: DLQ_SEND,
      }),
    ).toEqual([]);
  });

  it('the scheduler: its schedules, PassRole on the invoke role, intents and their indexes, jobs, idempotency, entity stores, policies', () => {
    const fn = schedulerFn();
    const ids = sharedIds(json);
    const intents = tableId(json, PLATFORM_TABLE.intents);
    const jobs = tableId(json, PLATFORM_TABLE.jobs);
    const entityTables = crudServices.map((s) => tableId(json, `${PREFIX}-${s.table}`));
    const expected = grantMap(
      XRAY,
      {
        [SCHEDULES_ARN]: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
        [`${scheduleInvokeRole()}.Arn`]: ['iam:PassRole'],
        [`${intents}.Arn`]: [
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        ...Object.fromEntries(
          ['by_entity', 'by_status', 'by_pattern', 'by_deferred'].map((i) => [
            `${intents}.Arn/index/${i}`,
            ['dynamodb:Query'],
          ]),
        ),
        [`${jobs}.Arn`]: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        [`${tableId(json, PLATFORM_TABLE.idempotency)}.Arn`]: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        [`${ids.policies}.Arn`]: ['dynamodb:Query'],
        [`${ids.secret}.Ref`]: SECRET_READ,
        [asyncDlqOf(fn) ?? '<no DLQ>']: DLQ_SEND,
      },
      entityStoreGrants(entityTables, ids),
    );
    expect(
      exactGrantViolations(grantsOf(json, fn), expected, {
        [`${ids.index}.Arn`]: leadingKeys(crudServices.map((s) => s.entity)),
      }),
    ).toEqual([]);
  });

  it('the records service: its records table and indexes, its migrations table, the outbox, its DLQ', () => {
    const records = tableId(json, PLATFORM_TABLE.records);
    const fn = fnAt('RecordsService');
    const dlq = asyncDlqOf(fn);
    expect(dlq).toBeDefined();
    expect(
      exactGrantViolations(grantsOf(json, fn), {
        ...XRAY,
        // Migrations: status row (get, put in a transaction, conditional update), backup rows.
        [`${tableId(json, PLATFORM_TABLE.migrations)}.Arn`]: [
          'dynamodb:BatchWriteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        // The migration events.
        [`${tableId(json, TABLE.outbox)}.Arn`]: ['dynamodb:PutItem'],
        ...(dlq ? { [dlq]: DLQ_SEND } : {}),
        [`${records}.Arn`]: [
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
        ],
        ...Object.fromEntries(
          RECORDS_TABLE_DESIGN.globalSecondaryIndexes.map((g) => [
            `${records}.Arn/index/${g.indexName}`,
            ['dynamodb:Query'],
          ]),
        ),
        [`${sharedIds(json).secret}.Ref`]: SECRET_READ,
        ...idempotencyGrants(),
      }),
    ).toEqual([]);
  });

  it('the setup function: put policy rows, manage the one archive (CreateArchive also on the bus)', () => {
    const bus = onlyResource(json, 'AWS::Events::EventBus')[0];
    expect(
      exactGrantViolations(grantsOf(json, fnAt('PlatformSetup')), {
        ...XRAY,
        [`${tableId(json, TABLE.policies)}.Arn`]: ['dynamodb:PutItem'],
        [ARCHIVE_ARN]: [
          'events:CreateArchive',
          'events:DeleteArchive',
          'events:DescribeArchive',
          'events:UpdateArchive',
        ],
        [`${bus}.Arn`]: ['events:CreateArchive'],
      }),
    ).toEqual([]);
  });

  it('the publisher: PutEvents on the bus, outbox put (POST /api/events), stream reads, the secret', () => {
    const bus = onlyResource(json, 'AWS::Events::EventBus')[0];
    const outbox = tableId(json, TABLE.outbox);
    const [dlq] = resourcesOf(json, 'AWS::SQS::Queue')
      .map(([id]) => id)
      .filter((id) => logicalIdOf(id).startsWith('NexusPublisherDlq'));
    expect(dlq).toBeDefined();
    expect(
      exactGrantViolations(grantsOf(json, fnAt('Nexus/Publisher')), {
        // ListStreams is an account-level call: IAM has no resource to scope it to.
        '*': [...(XRAY['*'] ?? []), 'dynamodb:ListStreams'].sort(),
        [`${bus}.Arn`]: ['events:PutEvents'],
        [`${outbox}.Arn`]: ['dynamodb:PutItem'],
        [`${outbox}.StreamArn`]: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
        ],
        [`${sharedIds(json).secret}.Ref`]: SECRET_READ,
        [`${dlq}.Arn`]: CDK_SEND_MESSAGES,
        ...idempotencyGrants(),
      }),
    ).toEqual([]);
  });

  it('the platform health function only describes the tables it checks', () => {
    const checked = [
      ...Object.values(TABLE),
      ...registry.map((s) => `${PREFIX}-${s.table}`),
      PLATFORM_TABLE.intents,
      PLATFORM_TABLE.jobs,
      PLATFORM_TABLE.records,
      PLATFORM_TABLE.migrations,
      PLATFORM_TABLE.amadeus,
      PLATFORM_TABLE.confirmations,
      ...Object.values(CONSUMER_TABLE),
      ...Object.values(BROADCAST_TABLE),
    ];
    expect(
      exactGrantViolations(grantsOf(json, fnAt('PlatformHealth')), {
        ...XRAY,
        ...Object.fromEntries(checked.map((t) => [`${tableId(json, t)}.Arn`, ['dynamodb:DescribeTable']])),
      }),
    ).toEqual([]);
  });

  it('the converse function: its confirmations table and the signing key, nothing of the tables it answers from', () => {
    const f = fnAt('Converse/Service');
    expect(
      exactGrantViolations(grantsOf(json, f), {
        ...XRAY,
        [`${tableId(json, PLATFORM_TABLE.confirmations)}.Arn`]: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        [`${sharedIds(json).secret}.Ref`]: SECRET_READ,
        ...idempotencyGrants(),
      }),
    ).toEqual([]);
  });

  it('no function role has a managed policy beyond AWSLambdaBasicExecutionRole', () => {
    for (const f of fns) {
      const managed = asArray(
        json.Resources[(f.props.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] ?? '']?.Properties
          ?.ManagedPolicyArns as unknown[],
      ).map(render);
      expect({ fn: f.path, managed }).toEqual({
        fn: f.path,
        managed: ['arn:AWS::Partition.Ref:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      });
    }
  });

  it(
    'catches a Resource "*" grant and a grant on another service table (checker self-test)',
    () => {
      const { app, stack: s, stacks, outdir: dir } = unbundledApp();
      tempDirs.push(dir);
      const fn = userServiceFunction(s);
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['*'] }));
      const campaignTable = s.data.node.findAll().find((c) => c.node.path.endsWith('/CampaignTable/Table'));
      if (!campaignTable) throw new Error('campaign table not found');
      (campaignTable as unknown as { grantReadData: (g: iam.IGrantable) => void }).grantReadData(fn);
      const tampered = mergedTemplate(app.synth(), stacks);
      const tamperedFns = functionsOf(tampered, stacks);

      const violations = serviceLeastPrivilegeViolations(tampered, tamperedFns, byName('user'));
      expect(violations).toContain('dynamodb:GetItem on Resource "*"');
      expect(violations.some((v) => v.includes('on another table'))).toBe(true);
      // The untouched services keep a clean bill.
      expect(serviceLeastPrivilegeViolations(tampered, tamperedFns, byName('campaign'))).toEqual([]);
      expect(serviceLeastPrivilegeViolations(tampered, tamperedFns, byName('security'))).toEqual([]);
    },
    TIMEOUT,
  );
});

describe('Amadeus', () => {
  it('its table: pk/sk strings, TTL expires_at', () => {
    const t = tableProps(PLATFORM_TABLE.amadeus);
    expect(t.KeySchema).toEqual(keys('pk', 'sk'));
    expect(t.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
  });

  it('the Amadeus function: exactly its own table, the secret and its DLQ', () => {
    const fn = fnAt('Amadeus/Service');
    const ids = sharedIds(json);
    expect(
      exactGrantViolations(grantsOf(json, fn), {
        ...XRAY,
        [`${tableId(json, PLATFORM_TABLE.amadeus)}.Arn`]: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
        ],
        [`${ids.secret}.Ref`]: SECRET_READ,
        [asyncDlqOf(fn) ?? '<no DLQ>']: DLQ_SEND,
      }),
    ).toEqual([]);
  });

  it('a new graph version is published on deploy: a custom resource keyed by the registry hash', () => {
    const [, kg] = onlyResource(json, 'Custom::TemporaKnowledgeGraph');
    expect(typeof kg.hash).toBe('string');
    expect(String(kg.hash)).toMatch(/^[0-9a-f]{64}$/);
    expect(render(kg.ServiceToken)).toBe(
      `${fnAt('Amadeus/PublishProvider/Provider/framework-onEvent/Resource').id}.Arn`,
    );
  });
});

describe('live campaigns (broadcast)', () => {
  const fn = () => fnAt('Broadcast/Service');
  const wsApi = () => {
    const apis = resourcesOf(json, 'AWS::ApiGatewayV2::Api').filter(
      ([, p]) => p.ProtocolType === 'WEBSOCKET',
    );
    expect(apis).toHaveLength(1);
    return apis[0] as [string, Record<string, unknown>];
  };
  const machine = () => onlyResource(json, 'AWS::StepFunctions::StateMachine');

  it('connections: (campaign_id, connection_id) with a TTL; state: (campaign_id, sk) with the by_score and sparse by_running indexes', () => {
    const c = tableProps(BROADCAST_TABLE.connections);
    expect(c.KeySchema).toEqual(keys('campaign_id', 'connection_id'));
    expect(c.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
    const st = tableProps(BROADCAST_TABLE.state);
    expect(st.KeySchema).toEqual(keys('campaign_id', 'sk'));
    // The posting share's window counters expire (lib/broadcast/share.ts).
    expect(st.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
    expect(st.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'by_score',
        KeySchema: keys('campaign_id', 'score'),
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['user'] },
      },
      {
        IndexName: 'by_running',
        KeySchema: keys('running_ticker', 'campaign_id'),
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
  });

  it('a WebSocket API with $connect, $disconnect and $default on the broadcast function, stage "live" with access logs', () => {
    const [apiId, api] = wsApi();
    expect(api.RouteSelectionExpression).toBe('$request.body.action');
    const routes = resourcesOf(json, 'AWS::ApiGatewayV2::Route').filter(
      ([, p]) => render(p.ApiId) === `${apiId}.Ref`,
    );
    expect(routes.map(([, p]) => p.RouteKey).sort()).toEqual(['$connect', '$default', '$disconnect']);
    for (const [, route] of routes) {
      const integrationId = render(route.Target)
        .replace(/^integrations\//, '')
        .replace(/\.Ref$/, '');
      expect(render(json.Resources[integrationId]?.Properties?.IntegrationUri)).toContain(`${fn().id}.Arn`);
    }
    const stages = resourcesOf(json, 'AWS::ApiGatewayV2::Stage').filter(
      ([, p]) => render(p.ApiId) === `${apiId}.Ref`,
    );
    expect(stages.map(([, p]) => [p.StageName, p.AutoDeploy])).toEqual([['live', true]]);
    const logs = stages[0]?.[1].AccessLogSettings as { DestinationArn?: unknown } | undefined;
    expect(logs?.DestinationArn).toBeDefined();
  });

  it('outputs the WebSocket API id and stage (localstack/outputs.ts builds webSocketUrl from them)', () => {
    const outputs = (json as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(render(outputs.WebSocketApiId?.Value)).toBe(`${wsApi()[0]}.Ref`);
    expect(outputs.WebSocketStage?.Value).toBe('live');
  });

  const ticker = () => fnAt('Broadcast/TickerFunction');
  const authorizer = () => fnAt('Broadcast/EventsAuthorizer');
  const eventApi = () => onlyResource(json, 'AWS::AppSync::Api');
  /** Publishing is granted on the namespace `campaigns` (every channel in it), nothing wider. */
  const namespaceArn = () =>
    `${stackArn('appsync', `apis/${eventApi()[0]}.ApiId`)}/channelNamespace/campaigns`;

  it('the ticker: a Standard state machine looping Task (the ticker function) → Choice (BooleanEquals on continue), traced and logged', () => {
    const [, sm] = machine();
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.StateMachineName).toBe(`${PREFIX}-broadcast-ticker`);
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    expect((sm.LoggingConfiguration as { Level: string }).Level).toBe('ALL');
    const def = JSON.parse(render(sm.DefinitionString)) as {
      StartAt: string;
      States: Record<
        string,
        { Type: string; Resource?: string; Next?: string; Choices?: unknown[]; Default?: string }
      >;
    };
    const task = def.States[def.StartAt];
    expect(task?.Type).toBe('Task');
    expect(task?.Resource).toBe(`${ticker().id}.Arn`);
    const choice = def.States[task?.Next ?? ''];
    expect(choice?.Type).toBe('Choice');
    expect(choice?.Choices).toEqual([{ Variable: '$.continue', BooleanEquals: true, Next: def.StartAt }]);
    expect(def.States[choice?.Default ?? '']?.Type).toBe('Succeed');
    expect(Object.keys(def.States)).toHaveLength(3);
    expect(ticker().props.Timeout).toBe(90);
    expect(ticker().props.MemorySize).toBe(1536);
  });

  it('a sweep every minute invokes the broadcast function with { kind: "broadcast.sweep" }, no retries', () => {
    const sweeps = resourcesOf(json, 'AWS::Events::Rule').filter(
      ([, p]) =>
        p.ScheduleExpression !== undefined &&
        (p.Targets as Array<{ Arn: unknown }>).some((t) => render(t.Arn) === `${fn().id}.Arn`),
    );
    expect(sweeps).toHaveLength(1);
    const [, rule] = sweeps[0] ?? ['', {}];
    expect(rule.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.EventBusName).toBeUndefined();
    const targets = rule.Targets as Array<Record<string, unknown>>;
    expect(targets.map((t) => render(t.Arn))).toEqual([`${fn().id}.Arn`]);
    expect(JSON.parse(String(targets[0]?.Input))).toEqual({ kind: 'broadcast.sweep' });
    expect(targets[0]?.RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
  });

  it('the Event API: connect and subscribe by the Lambda authorizer (never cached), publish by IAM; namespace "campaigns" the same', () => {
    const [, api] = eventApi();
    expect(api.Name).toBe(`${PREFIX}-live`);
    const config = api.EventConfig as Record<string, Array<Record<string, unknown>>>;
    const providers = config.AuthProviders ?? [];
    expect(providers.map((p) => p.AuthType).sort()).toEqual(['AWS_IAM', 'AWS_LAMBDA']);
    const lambdaAuth = providers.find((p) => p.AuthType === 'AWS_LAMBDA')?.LambdaAuthorizerConfig as
      | { AuthorizerUri?: unknown; AuthorizerResultTtlInSeconds?: number }
      | undefined;
    expect(render(lambdaAuth?.AuthorizerUri)).toBe(`${authorizer().id}.Arn`);
    expect(lambdaAuth?.AuthorizerResultTtlInSeconds).toBe(0);
    expect(config.ConnectionAuthModes).toEqual([{ AuthType: 'AWS_LAMBDA' }]);
    expect(config.DefaultPublishAuthModes).toEqual([{ AuthType: 'AWS_IAM' }]);
    expect(config.DefaultSubscribeAuthModes).toEqual([{ AuthType: 'AWS_LAMBDA' }]);
    const [, ns] = onlyResource(json, 'AWS::AppSync::ChannelNamespace');
    expect(ns.Name).toBe('campaigns');
    expect(ns.PublishAuthModes).toEqual([{ AuthType: 'AWS_IAM' }]);
    expect(ns.SubscribeAuthModes).toEqual([{ AuthType: 'AWS_LAMBDA' }]);
    for (const f of [fn(), ticker()]) {
      expect(f.vars).toMatchObject({
        EVENTS_API_ID: { 'Fn::GetAtt': [eventApi()[0], 'ApiId'] },
        EVENTS_HTTP_DNS: { 'Fn::GetAtt': [eventApi()[0], 'Dns.Http'] },
        EVENTS_REALTIME_DNS: { 'Fn::GetAtt': [eventApi()[0], 'Dns.Realtime'] },
      });
    }
  });

  it('the broadcast function: exactly its grants (its API stage, its state machine, its tables, publish)', () => {
    const f = fn();
    const ids = sharedIds(json);
    const conns = tableId(json, BROADCAST_TABLE.connections);
    const state = tableId(json, BROADCAST_TABLE.state);
    const campaign = tableId(json, `${PREFIX}-service_campaign_main`);
    const machineName = `${PREFIX}-broadcast-ticker`;
    expect(
      exactGrantViolations(grantsOf(json, f), {
        ...XRAY,
        [`${campaign}.Arn`]: ['dynamodb:GetItem'],
        [`${ids.policies}.Arn`]: ['dynamodb:Query'],
        [`${tableId(json, TABLE.outbox)}.Arn`]: ['dynamodb:PutItem'],
        [`${conns}.Arn`]: [
          'dynamodb:DeleteItem',
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        [`${state}.Arn`]: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        [`${state}.Arn/index/by_running`]: ['dynamodb:Query'],
        [`${ids.secret}.Ref`]: SECRET_READ,
        [asyncDlqOf(f) ?? '<no dlq>']: DLQ_SEND,
        [stackArn('execute-api', `${wsApi()[0]}.Ref/live/POST/@connections/*`)]: [
          'execute-api:ManageConnections',
        ],
        [stackArn('states', `stateMachine:${machineName}`)]: ['states:StartExecution'],
        [stackArn('states', `execution:${machineName}:*`)]: [
          'states:DescribeExecution',
          'states:StopExecution',
        ],
        [namespaceArn()]: ['appsync:EventPublish'],
        ...idempotencyGrants(),
      }),
    ).toEqual([]);
    expect(f.vars).toMatchObject({
      STATE_MACHINE_ARN: { 'Fn::Join': expect.anything() },
      WEBSOCKET_API_ID: { Ref: wsApi()[0] },
      WEBSOCKET_STAGE: 'live',
      CONNECTIONS_TABLE: { Ref: conns },
      STATE_TABLE: { Ref: state },
      CAMPAIGN_TABLE: { Ref: campaign },
      POLICIES_TABLE: { Ref: ids.policies },
    });
  });

  it('the ticker function: exactly its grants (reads, the ticker item, posts, publishes, shard executions)', () => {
    const f = ticker();
    const conns = tableId(json, BROADCAST_TABLE.connections);
    const state = tableId(json, BROADCAST_TABLE.state);
    const campaign = tableId(json, `${PREFIX}-service_campaign_main`);
    expect(
      exactGrantViolations(grantsOf(json, f), {
        ...XRAY,
        [`${campaign}.Arn`]: ['dynamodb:GetItem'],
        [`${tableId(json, TABLE.outbox)}.Arn`]: ['dynamodb:PutItem'],
        [`${conns}.Arn`]: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        // Query on the table: a campaign ranked by a formula (every score row of its partition).
        [`${state}.Arn`]: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        [`${state}.Arn/index/by_score`]: ['dynamodb:Query'],
        [stackArn('execute-api', `${wsApi()[0]}.Ref/live/POST/@connections/*`)]: [
          'execute-api:ManageConnections',
        ],
        [stackArn('states', `stateMachine:${PREFIX}-broadcast-ticker`)]: ['states:StartExecution'],
        [namespaceArn()]: ['appsync:EventPublish'],
      }),
    ).toEqual([]);
  });

  it('the Event API authorizer: reads the campaign, the policy matrix and the signing key, nothing else', () => {
    const ids = sharedIds(json);
    const campaign = tableId(json, `${PREFIX}-service_campaign_main`);
    expect(
      exactGrantViolations(grantsOf(json, authorizer()), {
        ...XRAY,
        [`${campaign}.Arn`]: ['dynamodb:GetItem'],
        [`${ids.policies}.Arn`]: ['dynamodb:Query'],
        [`${ids.secret}.Ref`]: SECRET_READ,
      }),
    ).toEqual([]);
  });

  it(
    'with -c eventApi=external (the emulator) the stack declares no AppSync resource, and the functions no EVENTS_* value',
    () => {
      const external = platformApp({ environment: ENV, context: { eventApi: 'external' } });
      tempDirs.push(external.outdir);
      external.app.synth();
      const t = mergedTemplate(new CloudAssembly(external.outdir), external.stacks.all);
      expect(resourcesOf(t, 'AWS::AppSync::Api')).toEqual([]);
      expect(resourcesOf(t, 'AWS::AppSync::ChannelNamespace')).toEqual([]);
      const outputs = (t as unknown as { Outputs: Record<string, unknown> }).Outputs;
      expect(Object.keys(outputs)).toEqual(
        expect.arrayContaining([
          'EventsAuthorizerArn',
          'BroadcastFunctionName',
          'BroadcastTickerFunctionName',
        ]),
      );
      expect(outputs.EventsApiId).toBeUndefined();
      for (const [, fn] of resourcesOf(t, 'AWS::Lambda::Function')) {
        const vars = (fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
        expect(vars.EVENTS_API_ID).toBeUndefined();
      }
    },
    TIMEOUT,
  );

  it('the state machine may only invoke the ticker function (plus logs delivery and X-Ray)', () => {
    const [, sm] = machine();
    const role = render(sm.RoleArn).replace(/\.Arn$/, '');
    const lambda = roleGrants(json, role).filter((g) => g.action.startsWith('lambda:'));
    expect(lambda.map((g) => [g.action, g.resource]).sort()).toEqual(
      [
        ['lambda:InvokeFunction', `${ticker().id}.Arn`],
        ['lambda:InvokeFunction', `${ticker().id}.Arn:*`],
      ].sort(),
    );
    const others = roleGrants(json, role).filter((g) => !/^(lambda|logs|xray):/.test(g.action));
    expect(others).toEqual([]);
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('synthesizes with no unacknowledged error', () => {
    expect(nagError?.message).toBeUndefined();
    expect(nagViolations.filter((v) => v.severity === 'error')).toEqual([]);
  });

  it(
    'fails synthesis when a wildcard action is granted (the checker is live)',
    () => {
      const { app, stack: s, outdir: dir } = unbundledApp();
      tempDirs.push(dir);
      userServiceFunction(s).addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:*'],
          resources: ['arn:aws:dynamodb:eu-west-1:111111111111:table/anything'],
        }),
      );
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).toThrowError(/AwsSolutions-IAM5\[Action::dynamodb:\*\]/);
      const report = JSON.parse(fs.readFileSync(path.join(dir, 'validation-report.json'), 'utf8')) as {
        pluginReports: Array<{ violations: Array<{ ruleName: string; severity: string }> }>;
      };
      expect(report.pluginReports.flatMap((r) => r.violations)).toContainEqual(
        expect.objectContaining({ ruleName: 'AwsSolutions-IAM5[Action::dynamodb:*]', severity: 'error' }),
      );
    },
    TIMEOUT,
  );

  it(
    "fails synthesis when another function gets the scheduler's schedule wildcard (acknowledged for the scheduler only)",
    () => {
      const { app, stack: s, outdir: dir } = unbundledApp();
      tempDirs.push(dir);
      userServiceFunction(s).addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['scheduler:DeleteSchedule'],
          resources: [
            s.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${PREFIX}/*` }),
          ],
        }),
      );
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).toThrowError(
        /AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule\/tempora-test\/\*\]/,
      );
    },
    TIMEOUT,
  );
});

describe("the scheduler's horizon", () => {
  it('an ephemeral stack defers beyond 2 minutes and materializes every minute, into the scheduler function', () => {
    expect(render(schedulerFn().vars.SCHEDULE_HORIZON)).toBe('PT2M');
    const rules = resourcesOf(json, 'AWS::Events::Rule').filter(
      ([, p]) =>
        p.ScheduleExpression !== undefined &&
        (p.Targets as Array<{ Arn: unknown }>).some((t) => render(t.Arn) === `${schedulerFn().id}.Arn`),
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0] ?? ['', {}];
    expect(rule.ScheduleExpression).toBe('rate(1 minute)');
    const [target] = rule.Targets as Array<Record<string, unknown>>;
    expect(JSON.parse(String(target?.Input))).toEqual({ kind: 'scheduler.materialize' });
  });

  it('defaults to 7 days every 5 minutes on a production stack; context overrides either', () => {
    expect(horizonSettings({}, false)).toEqual({ horizon: 'P7D', materializerMinutes: 5 });
    expect(horizonSettings({}, true)).toEqual({ horizon: 'PT2M', materializerMinutes: 1 });
    expect(horizonSettings({ horizon: 'P1D', materializerMinutes: '10' }, false)).toEqual({
      horizon: 'P1D',
      materializerMinutes: 10,
    });
  });

  it('refuses, naming the key, a horizon that is not a duration, a bad rate, or a horizon under twice the rate', () => {
    expect(() => horizonSettings({ horizon: '7 days' }, false)).toThrow(/schedulerHorizon "7 days"/);
    expect(() => horizonSettings({ materializerMinutes: 0 }, false)).toThrow(/materializerMinutes "0"/);
    expect(() => horizonSettings({ materializerMinutes: 'often' }, false)).toThrow(/materializerMinutes/);
    expect(() => horizonSettings({ horizon: 'PT5M', materializerMinutes: 5 }, false)).toThrow(
      /schedulerHorizon PT5M must be at least twice materializerMinutes/,
    );
  });
});
