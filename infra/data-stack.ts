/**
 * The stateful stack, `Tempora-<env>`, and the rule that fills it.
 *
 * Tables, dead-letter queues, the bus and its archive, the JWT secret, the schedule group and the
 * role its schedules run as, the exports bucket: everything whose replacement would lose data
 * (or strand schedules made months ago) lives here, and nothing else changes here often. The
 * stateless stacks (functions, APIs, rules, alarms) can then be redeployed, split or rebuilt at
 * will without touching a table.
 *
 * The rule: code anywhere builds a stateful resource with `stateful(this)` as its scope (the
 * helpers `pitrTable` and `deadLetterQueue` do it themselves). That scope is the owner's
 * *mirror* in the data stack: the construct at the same path under `Tempora-<env>` as the owner
 * has under its own stack. So a table declared inside the Broadcast construct of the services
 * stack lands at `Tempora-<env>/Broadcast/Connections`: the path, hence the logical id, it had
 * when the platform was one stack, and existing deployments keep their tables. Cross-stack
 * references (an Export in this stack, `Fn::ImportValue` where used) come from CDK itself.
 * A stateless stack that holds a stateful resource type anyway fails the synth, naming it.
 */
import { Aspects, CfnResource, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';
import { TableProtection } from './constructs/table-protection.ts';

/** Resource types that hold state: only the data stack may declare them. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::SQS::Queue',
  'AWS::S3::Bucket',
  'AWS::SecretsManager::Secret',
  'AWS::Events::EventBus',
  'AWS::Events::Archive',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::KMS::Key',
]);

export interface DataStackProps extends StackProps {
  /** Production data (`prod`, `staging`, …): termination protection, deletion protection on every table. */
  protect: boolean;
}

/** `Tempora-<env>`: the platform's state (see the file comment). */
export class DataStack extends Stack {
  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: props.protect });
    // Every table of a production stack: deletion protection, and point-in-time recovery or an error.
    if (props.protect) Aspects.of(this).add(new TableProtection());
  }
}

const dataOf = new WeakMap<Stack, DataStack>();

export interface StatelessStackProps extends StackProps {
  /** Where this stack's stateful resources go. */
  data: DataStack;
}

/** A stack that holds no state: its stateful resources are built in `data` (see {@link stateful}). */
export class StatelessStack extends Stack {
  readonly data: DataStack;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.data = props.data;
    dataOf.set(this, props.data);
    this.node.addValidation({ validate: () => statefulResourcesIn(this) });
  }
}

/**
 * The scope for a stateful resource owned by `owner`: `owner` itself in the data stack, else
 * its mirror there (same construct path under the data stack, created on first use).
 */
export function stateful(owner: IConstruct): Construct {
  const stack = Stack.of(owner);
  if (stack instanceof DataStack) return owner as Construct;
  const data = dataOf.get(stack);
  if (!data)
    throw new Error(
      `${owner.node.path}: stack ${stack.node.id} is not a StatelessStack, so it has no data stack`,
    );
  let mirror: Construct = data;
  for (const c of owner.node.scopes.slice(owner.node.scopes.indexOf(stack) + 1)) {
    mirror =
      (mirror.node.tryFindChild(c.node.id) as Construct | undefined) ?? new Construct(mirror, c.node.id);
  }
  return mirror;
}

/** One message per stateful resource declared directly in a stateless stack. */
function statefulResourcesIn(stack: Stack): string[] {
  return stack.node
    .findAll()
    .filter((c): c is CfnResource => c instanceof CfnResource && STATEFUL_TYPES.has(c.cfnResourceType))
    .map(
      (r) =>
        `${r.node.path}: ${r.cfnResourceType} holds state; declare it with stateful(this) as its scope (infra/data-stack.ts) so it lands in the data stack`,
    );
}
