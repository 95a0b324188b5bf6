/**
 * Helpers over a synthesized CloudFormation template, as plain JSON (so the same checks run
 * on the real stack and on tampered or mocked ones). Shared by the infra unit tests.
 */
import type { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { qualify } from '../../../localstack/templates.ts';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}
/** One allowed (action, resource) pair of a role, with its statement's condition. */
export interface Grant {
  action: string;
  resource: string;
  /** JSON of the statement's Condition block ('' when none). */
  condition: string;
}
/** A Lambda function of the template, with its construct path and a label. */
export interface FnInfo {
  id: string;
  /** Construct path under the stack without the trailing `/Fn`, e.g. `UserService`, `Nexus/Publisher`. */
  path: string;
  /** The registry service it serves (it has an entity table), else its path. */
  label: string;
  vars: Record<string, unknown>;
  props: Record<string, unknown>;
}
/** `{ resource: sorted actions }`. */
export type ActionsByResource = Record<string, string[]>;

export const resourcesOf = (t: CfnTemplate, type: string): Array<[string, Record<string, unknown>]> =>
  Object.entries(t.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);

/** A stable text form of an expression: `Logical.Attr`, `Logical.Ref`, joins inlined, or the literal. */
export function render(v: unknown): string {
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

/** `arn:<partition>:<service>:<region>:<account>:<resource>` as {@link render} writes a formatted ARN. */
export const stackArn = (service: string, resource: string): string =>
  `arn:AWS::Partition.Ref:${service}:AWS::Region.Ref:AWS::AccountId.Ref:${resource}`;

export const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

export function tableId(t: CfnTemplate, tableName: string): string {
  const found = resourcesOf(t, 'AWS::DynamoDB::Table').filter(([, p]) => p.TableName === tableName);
  if (found.length !== 1) throw new Error(`expected one table named ${tableName}, found ${found.length}`);
  return found[0]?.[0] ?? '';
}

export function onlyResource(t: CfnTemplate, type: string): [string, Record<string, unknown>] {
  const found = resourcesOf(t, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Record<string, unknown>];
}

/**
 * The functions of the synthesized stacks, labelled through the construct tree. `t` is their
 * templates merged (test/unit/support/platform.ts): ids are `<stack>/<logicalId>`.
 */
export function functionsOf(t: CfnTemplate, stacks: readonly Stack[]): FnInfo[] {
  const pathOf = new Map<string, string>();
  for (const stack of stacks)
    for (const c of stack.node.findAll()) {
      if (c instanceof lambda.CfnFunction && c.stack === stack) {
        const rel = c.node.path.slice(stack.node.path.length + 1).replace(/\/Fn\/Resource$/, '');
        pathOf.set(qualify(stack.stackName, stack.resolve(stack.getLogicalId(c)) as string), rel);
      }
    }
  return resourcesOf(t, 'AWS::Lambda::Function').map(([id, props]) => {
    const vars = (props.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {};
    const fnPath = pathOf.get(id) ?? id;
    const label = vars.ENTITY_TABLE !== undefined ? String(vars.TEMPORA_SERVICE) : fnPath;
    return { id, path: fnPath, label, vars, props };
  });
}

export function fnLabelled(fns: FnInfo[], label: string): FnInfo {
  const found = fns.filter((f) => f.label === label);
  if (found.length !== 1) throw new Error(`expected one function labelled ${label}, found ${found.length}`);
  return found[0] as FnInfo;
}

/** The logical id of a function's execution role. */
export const roleOf = (fn: FnInfo): string =>
  (fn.props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

/** Every (action, resource, condition) a role allows, from inline and attached policies. */
export function roleGrants(t: CfnTemplate, role: string): Grant[] {
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

export const grantsOf = (t: CfnTemplate, fn: FnInfo): Grant[] => roleGrants(t, roleOf(fn));

/** `{ resource: sorted actions }` for the grants whose action starts with `actionPrefix`. */
export function actionsByResource(grants: Grant[], actionPrefix = ''): ActionsByResource {
  const out: Record<string, Set<string>> = {};
  for (const g of grants) {
    if (!g.action.startsWith(actionPrefix)) continue;
    const actions = out[g.resource] ?? new Set<string>();
    actions.add(g.action);
    out[g.resource] = actions;
  }
  return Object.fromEntries(Object.entries(out).map(([r, a]) => [r, [...a].sort()]));
}

/** Union of expected grant maps, actions sorted and deduplicated. */
export function grantMap(...parts: ActionsByResource[]): ActionsByResource {
  const out: Record<string, Set<string>> = {};
  for (const part of parts)
    for (const [resource, actions] of Object.entries(part)) {
      const set = out[resource] ?? new Set<string>();
      for (const a of actions) set.add(a);
      out[resource] = set;
    }
  return Object.fromEntries(Object.entries(out).map(([r, a]) => [r, [...a].sort()]));
}

/**
 * Differences between a role's grants and exactly `expected` (every action, every resource),
 * plus conditions: a grant on a resource of `conditions` must carry exactly that condition,
 * any other grant none. Empty = compliant.
 */
export function exactGrantViolations(
  grants: Grant[],
  expected: ActionsByResource,
  conditions: Record<string, unknown> = {},
): string[] {
  const violations: string[] = [];
  for (const g of grants) {
    if (g.action.includes('*')) violations.push(`wildcard action ${g.action} on ${g.resource}`);
  }
  const actual = actionsByResource(grants);
  for (const resource of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
    const want = expected[resource] ?? [];
    const got = actual[resource] ?? [];
    if (JSON.stringify(want) !== JSON.stringify(got))
      violations.push(`on ${resource}: got [${got.join(', ')}], want [${want.join(', ')}]`);
  }
  for (const g of grants) {
    const want = resourceCondition(conditions, g.resource);
    if (g.condition !== want)
      violations.push(
        `${g.action} on ${g.resource}: condition ${g.condition || 'none'}, want ${want || 'none'}`,
      );
  }
  return violations;
}

const resourceCondition = (conditions: Record<string, unknown>, resource: string): string =>
  resource in conditions ? JSON.stringify(conditions[resource]) : '';
