import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemporaStack } from '../../infra/stack.ts';
import { registry, routeKey, type ServiceDefinition, serviceRoutes } from '../../lib/registry/index.ts';
import { EntityStore } from '../../lib/store/entity-store.ts';

const STACK = 'Tempora-test';
const PREFIX = 'tempora-test';
const TABLE = {
  master: `${PREFIX}-_metadata_master`,
  outbox: `${PREFIX}-_nexus_outbox`,
  index: `${PREFIX}-_metadata_index`,
  policies: `${PREFIX}-_policies`,
};
/**
 * Functions the stack runs besides one per registry service, by construct path under the
 * stack: the Nexus outbox publisher, the platform health check behind GET /api/health and
 * the custom resource that seeds the policy matrix.
 */
const PLATFORM_FUNCTIONS = ['Nexus/Publisher', 'PlatformHealth', 'PolicySeed'];
/** Routes that do not come from a registry service, and the platform function serving each. */
const PLATFORM_ROUTES: Record<string, string> = { 'GET /api/health': 'PlatformHealth' };
/** The GSIs the entity store queries: each must exist on every entity table and be granted. */
const LIST_INDEXES = [EntityStore.STATE_INDEX, EntityStore.OWNER_INDEX, EntityStore.BROADCAST_INDEX];
const XRAY_ACTIONS = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
/** ListStreams is an account-level call: IAM has no resource to scope it to. */
const PUBLISHER_UNSCOPED_ACTIONS = new Set([...XRAY_ACTIONS, 'dynamodb:ListStreams']);
/** Synthesis bundles every function with esbuild (about 1-2 s each): generous headroom. */
const TIMEOUT = 240_000;

/**
 * LEAST PRIVILEGE of a service function: exactly the DynamoDB actions its entity store,
 * health check and policy lookups call, per table (`<table>` = its ARN, `<table>/index/x`
 * = a GSI). Anything missing or extra is a finding. Update here, with a reason, when the
 * store starts calling a new API.
 */
const serviceGrants = (s: ServiceDefinition, id: Record<'own' | keyof typeof TABLE, string>) => ({
  [`${id.own}.Arn`]: [
    'dynamodb:BatchGetItem', // tag/feature lists load entities by id
    'dynamodb:ConditionCheckItem',
    'dynamodb:DeleteItem',
    'dynamodb:DescribeTable', // health
    'dynamodb:GetItem',
    'dynamodb:PutItem',
  ],
  ...Object.fromEntries(LIST_INDEXES.map((ix) => [`${id.own}.Arn/index/${ix}`, ['dynamodb:Query']])),
  [`${id.master}.Arn`]: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
  [`${id.outbox}.Arn`]: ['dynamodb:PutItem'],
  // Shared index table: only rows under the service's own entity type (LeadingKeys condition).
  [`${id.index}.Arn`]: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query'],
  [`${id.policies}.Arn`]: s.needs?.includes('policies:write')
    ? ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Query']
    : ['dynamodb:Query'],
});

// ---------------------------------------------------------------------------------------
// Template helpers (plain JSON: the same checks run on the real and on tampered stacks)

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}
interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}
interface Grant {
  action: string;
  resource: string;
  /** JSON of the statement's Condition block ('' when none). */
  condition: string;
}
/** A Lambda function of the template, with its construct path and a label. */
interface FnInfo {
  id: string;
  /** Construct path under the stack without the trailing `/Fn`, e.g. `UserService`, `Nexus/Publisher`. */
  path: string;
  /** The registry service it serves (it has an entity table), else its path. */
  label: string;
  vars: Record<string, unknown>;
  props: Record<string, unknown>;
}

const resourcesOf = (t: CfnTemplate, type: string): Array<[string, Record<string, unknown>]> =>
  Object.entries(t.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);

/** A stable text form of an ARN expression: `Logical.Attr`, `Logical.Ref` or the literal. */
function render(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o['Fn::GetAtt'])) return (o['Fn::GetAtt'] as string[]).join('.');
    if (typeof o.Ref === 'string') return `${o.Ref}.Ref`;
    if (Array.isArray(o['Fn::Join'])) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
  }
  return JSON.stringify(v);
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function tableId(t: CfnTemplate, tableName: string): string {
  const found = resourcesOf(t, 'AWS::DynamoDB::Table').filter(([, p]) => p.TableName === tableName);
  if (found.length !== 1) throw new Error(`expected one table named ${tableName}, found ${found.length}`);
  return found[0]?.[0] ?? '';
}

const tableIds = (t: CfnTemplate, s: ServiceDefinition) => ({
  own: tableId(t, `${PREFIX}-${s.table}`),
  master: tableId(t, TABLE.master),
  outbox: tableId(t, TABLE.outbox),
  index: tableId(t, TABLE.index),
  policies: tableId(t, TABLE.policies),
});

/** The functions of a synthesized stack, labelled through the construct tree. */
function functionsOf(t: CfnTemplate, stack: Stack): FnInfo[] {
  const pathOf = new Map<string, string>();
  for (const c of stack.node.findAll()) {
    if (c instanceof lambda.CfnFunction) {
      const rel = c.node.path.slice(stack.node.path.length + 1).replace(/\/Fn\/Resource$/, '');
      pathOf.set(stack.resolve(stack.getLogicalId(c)) as string, rel);
    }
  }
  return resourcesOf(t, 'AWS::Lambda::Function').map(([id, props]) => {
    const vars = (props.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {};
    const fnPath = pathOf.get(id) ?? id;
    const label = vars.ENTITY_TABLE !== undefined ? String(vars.TEMPORA_SERVICE) : fnPath;
    return { id, path: fnPath, label, vars, props };
  });
}

function fnLabelled(fns: FnInfo[], label: string): FnInfo {
  const found = fns.filter((f) => f.label === label);
  if (found.length !== 1) throw new Error(`expected one function labelled ${label}, found ${found.length}`);
  return found[0] as FnInfo;
}

/** Every (action, resource, condition) a function's role allows, from inline and attached policies. */
function grantsOf(t: CfnTemplate, fn: FnInfo): Grant[] {
  const role = (fn.props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const documents: unknown[] = [];
  for (const [, p] of resourcesOf(t, 'AWS::IAM::Policy')) {
    if (asArray(p.Roles as unknown[]).some((r) => render(r) === `${role}.Ref`))
      documents.push(p.PolicyDocument);
  }
  const roleProps = t.Resources[role]?.Properties ?? {};
  for (const p of asArray(roleProps.Policies as Array<{ PolicyDocument: unknown }>))
    documents.push(p.PolicyDocument);

  const grants: Grant[] = [];
  for (const doc of documents) {
    for (const s of asArray((doc as { Statement: unknown }).Statement) as Array<Record<string, unknown>>) {
      if (s.Effect !== 'Allow') continue;
      const condition = s.Condition === undefined ? '' : JSON.stringify(s.Condition);
      for (const action of asArray(s.Action as string | string[]))
        for (const resource of asArray(s.Resource))
          grants.push({ action, resource: render(resource), condition });
    }
  }
  return grants;
}

/** `{ resource: sorted actions }` for the grants matching `actionPrefix`. */
function actionsByResource(grants: Grant[], actionPrefix: string): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const g of grants) {
    if (!g.action.startsWith(actionPrefix)) continue;
    const actions = out[g.resource] ?? new Set<string>();
    actions.add(g.action);
    out[g.resource] = actions;
  }
  return Object.fromEntries(Object.entries(out).map(([r, a]) => [r, [...a].sort()]));
}

/**
 * Least privilege of a service function, as a list of violations (empty = compliant):
 * exactly {@link serviceGrants}; rows of the shared index table only under its own entity
 * type; nothing on any other service's table; no wildcard action; no `Resource: '*'`
 * except X-Ray.
 */
function serviceLeastPrivilegeViolations(
  t: CfnTemplate,
  fns: FnInfo[],
  service: ServiceDefinition,
): string[] {
  const ids = tableIds(t, service);
  const grants = grantsOf(t, fnLabelled(fns, service.name));
  const violations: string[] = [];

  for (const g of grants) {
    if (g.action.includes('*')) violations.push(`wildcard action ${g.action} on ${g.resource}`);
    if (g.resource === '*' && !XRAY_ACTIONS.has(g.action)) violations.push(`${g.action} on Resource "*"`);
  }

  const expected = serviceGrants(service, ids);
  const actual = actionsByResource(grants, 'dynamodb:');
  for (const resource of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const want = expected[resource] ?? [];
    const got = actual[resource] ?? [];
    if (JSON.stringify(want) !== JSON.stringify(got))
      violations.push(`DynamoDB on ${resource}: got [${got.join(', ')}], want [${want.join(', ')}]`);
  }

  const leading = JSON.stringify({
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${service.entity}#*`] },
  });
  for (const g of grants.filter((x) => x.resource === `${ids.index}.Arn`)) {
    if (g.condition !== leading)
      violations.push(`${g.action} on the index table without LeadingKeys ${service.entity}#*`);
  }

  const shared = new Set(Object.values(ids));
  const others = resourcesOf(t, 'AWS::DynamoDB::Table')
    .map(([id]) => id)
    .filter((id) => !shared.has(id));
  for (const g of grants) {
    const other = others.find((id) => g.resource.startsWith(`${id}.`));
    if (other) violations.push(`${g.action} on another table (${other})`);
  }
  return violations;
}

/** The publisher's role, as violations: PutEvents on the bus only, stream reads only, no DynamoDB writes. */
function publisherViolations(t: CfnTemplate, fns: FnInfo[]): string[] {
  const bus = resourcesOf(t, 'AWS::Events::EventBus')[0]?.[0];
  const outbox = tableId(t, TABLE.outbox);
  const grants = grantsOf(t, fnLabelled(fns, 'Nexus/Publisher'));
  const violations: string[] = [];
  for (const g of grants) {
    if (g.action.includes('*')) violations.push(`wildcard action ${g.action}`);
    if (g.resource === '*' && !PUBLISHER_UNSCOPED_ACTIONS.has(g.action))
      violations.push(`${g.action} on Resource "*"`);
    if (g.action.startsWith('events:') && (g.action !== 'events:PutEvents' || g.resource !== `${bus}.Arn`))
      violations.push(`${g.action} on ${g.resource}`);
    if (g.action.startsWith('dynamodb:')) {
      const streamRead = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];
      const ok =
        (streamRead.includes(g.action) && g.resource === `${outbox}.StreamArn`) ||
        (g.action === 'dynamodb:ListStreams' && g.resource === '*');
      if (!ok) violations.push(`${g.action} on ${g.resource}`);
    }
  }
  if (!grants.some((g) => g.action === 'events:PutEvents' && g.resource === `${bus}.Arn`))
    violations.push('missing events:PutEvents on the bus');
  return violations;
}

/** An app without asset bundling: cheap synths for the negative tests. */
function unbundledApp(): { app: App; stack: TemporaStack; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempora-infra-neg-'));
  const app = new App({ outdir, context: { env: 'test', 'aws:cdk:bundling-stacks': [] } });
  const stack = new TemporaStack(app, STACK, { environment: 'test' });
  return { app, stack, outdir };
}

const userServiceFunction = (stack: TemporaStack): lambda.Function => {
  const fn = stack.node
    .findAll()
    .find((c: IConstruct) => c instanceof lambda.Function && c.node.path.includes('/UserService/'));
  if (!(fn instanceof lambda.Function)) throw new Error('user service function not found');
  return fn;
};

const byName = (name: string): ServiceDefinition => {
  const s = registry.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
};

// ---------------------------------------------------------------------------------------
// One real synthesis (with esbuild bundling and cdk-nag), shared by every test below.

let outdir: string;
let json: CfnTemplate;
let template: Template;
let fns: FnInfo[];
let nagError: Error | undefined;
let nagViolations: Array<{ ruleName: string; severity: string }> = [];
const tempDirs: string[] = [];

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tempora-infra-'));
  const app = new App({ outdir, context: { env: 'test' } });
  const stack = new TemporaStack(app, STACK, { environment: 'test' });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (e) {
    // cdk-nag runs after the assembly is written: the template is still there to inspect.
    nagError = e as Error;
  }
  json = JSON.parse(fs.readFileSync(path.join(outdir, `${STACK}.template.json`), 'utf8')) as CfnTemplate;
  template = Template.fromJSON(json as unknown as Record<string, unknown>);
  fns = functionsOf(json, stack);
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

describe('Lambda functions', () => {
  it('one per registry service plus the platform functions, nothing else', () => {
    expect(fns.map((f) => f.label).sort()).toEqual(
      [...registry.map((s) => s.name), ...PLATFORM_FUNCTIONS].sort(),
    );
  });

  it('all run nodejs22.x on arm64 with active tracing', () => {
    expect(fns.length).toBeGreaterThan(registry.length);
    for (const f of fns) {
      expect({
        fn: f.path,
        runtime: f.props.Runtime,
        arch: f.props.Architectures,
        tracing: f.props.TracingConfig,
      }).toEqual({ fn: f.path, runtime: 'nodejs22.x', arch: ['arm64'], tracing: { Mode: 'Active' } });
    }
  });

  it.each(services)('the %s function is wired to its own tables', (_n, s) => {
    const ids = tableIds(json, s);
    expect(fnLabelled(fns, s.name).vars).toMatchObject({
      TEMPORA_ENV: 'test',
      TEMPORA_SERVICE: s.name,
      ENTITY_TABLE: { Ref: ids.own },
      MASTER_TABLE: { Ref: ids.master },
      OUTBOX_TABLE: { Ref: ids.outbox },
      INDEX_TABLE: { Ref: ids.index },
      POLICIES_TABLE: { Ref: ids.policies },
    });
  });

  it('the publisher knows the bus', () => {
    const bus = resourcesOf(json, 'AWS::Events::EventBus')[0]?.[0];
    expect(fnLabelled(fns, 'Nexus/Publisher').vars.EVENT_BUS_NAME).toEqual({ Ref: bus });
  });
});

describe('DynamoDB tables', () => {
  it.each(services)('%s has its entity table with the list indexes the store queries', (_n, s) => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: `${PREFIX}-${s.table}`,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'by_state',
          KeySchema: [
            { AttributeName: 'state', KeyType: 'HASH' },
            { AttributeName: 'list_sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ]),
    });
    const props = json.Resources[tableId(json, `${PREFIX}-${s.table}`)]?.Properties ?? {};
    const gsis = (props.GlobalSecondaryIndexes as Array<{ IndexName: string }>).map((g) => g.IndexName);
    expect(gsis.sort()).toEqual([...LIST_INDEXES].sort());
  });

  it('has the _metadata_master table keyed by pk', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: TABLE.master,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
  });

  it('has the outbox table with a NEW_IMAGE stream and TTL on expires_at', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: TABLE.outbox,
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
    });
  });

  it('has one table per service plus master, outbox, index and policies, nothing else', () => {
    const names = resourcesOf(json, 'AWS::DynamoDB::Table').map(([, p]) => p.TableName as string);
    expect(names.sort()).toEqual(
      [...registry.map((s) => `${PREFIX}-${s.table}`), ...Object.values(TABLE)].sort(),
    );
  });
});

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
    expect(render(m.FunctionName)).toBe(`${fnLabelled(fns, 'Nexus/Publisher').id}.Ref`);
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const filters = (m.FilterCriteria as { Filters: Array<{ Pattern: string }> }).Filters;
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([{ eventName: ['INSERT'] }]);
    const destination = (m.DestinationConfig as { OnFailure: { Destination: unknown } }).OnFailure
      .Destination;
    const [queueId, attr] = render(destination).split('.');
    expect(attr).toBe('Arn');
    expect(json.Resources[queueId ?? '']?.Type).toBe('AWS::SQS::Queue');
  });
});

describe('HTTP API', () => {
  it('has exactly the routes of the registry (plus the platform routes)', () => {
    const expected = [
      ...registry.flatMap((s) => serviceRoutes(s).map(routeKey)),
      ...Object.keys(PLATFORM_ROUTES),
    ];
    const keys = resourcesOf(json, 'AWS::ApiGatewayV2::Route').map(([, p]) => p.RouteKey as string);
    expect(keys.sort()).toEqual(expected.sort());
  });

  it("sends every route to the owning service's function", () => {
    const owner = new Map<string, string>(Object.entries(PLATFORM_ROUTES));
    for (const s of registry) for (const r of serviceRoutes(s)) owner.set(routeKey(r), s.name);
    const labelOf = new Map(fns.map((f) => [`${f.id}.Arn`, f.label]));
    for (const [, route] of resourcesOf(json, 'AWS::ApiGatewayV2::Route')) {
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
});

describe('least privilege', () => {
  it.each(services)('the %s function has exactly its grants', (_n, s) => {
    expect(serviceLeastPrivilegeViolations(json, fns, s)).toEqual([]);
  });

  it('the publisher may only PutEvents on the bus and read the outbox stream (no DynamoDB writes)', () => {
    expect(publisherViolations(json, fns)).toEqual([]);
    const writes = grantsOf(json, fnLabelled(fns, 'Nexus/Publisher')).filter((g) =>
      /^dynamodb:(Put|Update|Delete|BatchWrite|TransactWrite|PartiQL(Insert|Update|Delete))/.test(g.action),
    );
    expect(writes).toEqual([]);
  });

  it('the platform health function only describes tables', () => {
    const grants = grantsOf(json, fnLabelled(fns, 'PlatformHealth'));
    const dynamo = grants.filter((g) => g.action.startsWith('dynamodb:'));
    expect(dynamo.length).toBeGreaterThan(0);
    expect([...new Set(dynamo.map((g) => g.action))]).toEqual(['dynamodb:DescribeTable']);
    expect(grants.filter((g) => g.resource === '*' && !XRAY_ACTIONS.has(g.action))).toEqual([]);
  });

  it('the policy seed function may only put rows in the policies table', () => {
    const grants = grantsOf(json, fnLabelled(fns, 'PolicySeed')).filter((g) => !XRAY_ACTIONS.has(g.action));
    expect(grants).toEqual([
      { action: 'dynamodb:PutItem', resource: `${tableId(json, TABLE.policies)}.Arn`, condition: '' },
    ]);
  });

  it(
    'catches a Resource "*" grant and a grant on another service table (checker self-test)',
    () => {
      const { app, stack, outdir: dir } = unbundledApp();
      tempDirs.push(dir);
      const fn = userServiceFunction(stack);
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['*'] }));
      const campaignTable = stack.node.findAll().find((c) => c.node.path.endsWith('/CampaignTable/Table'));
      if (!campaignTable) throw new Error('campaign table not found');
      (campaignTable as unknown as { grantReadData: (g: iam.IGrantable) => void }).grantReadData(fn);
      const tampered = app.synth().getStackByName(STACK).template as CfnTemplate;
      const tamperedFns = functionsOf(tampered, stack);

      const violations = serviceLeastPrivilegeViolations(tampered, tamperedFns, byName('user'));
      expect(violations).toContain('dynamodb:GetItem on Resource "*"');
      expect(violations.some((v) => v.includes('on another table'))).toBe(true);
      // The untouched service keeps a clean bill.
      expect(serviceLeastPrivilegeViolations(tampered, tamperedFns, byName('campaign'))).toEqual([]);
    },
    TIMEOUT,
  );
});

describe('cdk-nag (AwsSolutions)', () => {
  it('synthesizes with no unacknowledged error', () => {
    expect(nagError?.message).toBeUndefined();
    expect(nagViolations.filter((v) => v.severity === 'error')).toEqual([]);
  });

  it(
    'fails synthesis when a wildcard action is granted (the checker is live)',
    () => {
      const { app, stack, outdir: dir } = unbundledApp();
      tempDirs.push(dir);
      userServiceFunction(stack).addToRolePolicy(
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
});
