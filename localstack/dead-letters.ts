/**
 * Dead letters on the emulator as on AWS.
 *
 * The stack declares a dead-letter queue for every consumer: the function's own (Lambda's
 * asynchronous invocations that still fail after its retries), the EventBridge rule target's
 * (events EventBridge could not deliver) and the outbox stream's on-failure destination.
 * MiniStack's CloudFormation drops a function's `DeadLetterConfig`, so after each deploy
 * {@link applyDeadLetters} reads the deployed template and applies, through the Lambda and
 * EventBridge APIs, exactly what it declares (nothing when the emulator kept it, e.g. LocalStack).
 * Together with localstack/ministack_aws.py (EventBridge and Scheduler invoke Lambda
 * asynchronously) a consumer that keeps failing ends in its DLQ.
 *
 * {@link listDeadLetters} gives every queue with its depth, {@link redrive} sends its messages
 * back: each is invoked again, asynchronously, on the function that dead-lettered it (the same
 * path as the first delivery: retries, then the DLQ again if it still fails), then deleted.
 */
import {
  CloudFormationClient,
  GetTemplateCommand,
  paginateListStackResources,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, ListTargetsByRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { stacksOf } from '../infra/names.ts';
import { LocalError } from './progress.ts';
import { clientConfig } from './stack.ts';
import { type CfnTemplate, logicalIdOf, mergeTemplates, qualify, stackOf } from './templates.ts';

/** What sends dead letters to a queue. */
export interface DeadLetterSource {
  kind: 'function' | 'rule-target' | 'stream' | 'schedules';
  /** The function that the dead-lettered events were for (redrive invokes it again). */
  functionName: string;
  /**
   * `rule-target`: the rule; `stream`: the event source mapping's id; `schedules`: the queue is in
   * the function's environment, for the schedules it creates at run time (which target it).
   */
  via?: string;
}

/** A dead-letter queue of the platform. */
export interface DeadLetterQueue {
  /** Short name: the queue's construct path, kebab-case, without `Dlq` (`localization-events`). */
  name: string;
  /** The stack that holds it (the data stack, `Tempora-<env>`). */
  stack: string;
  logicalId: string;
  url: string;
  arn: string;
  sources: DeadLetterSource[];
}

/** What {@link applyDeadLetters} did. */
export interface AppliedDeadLetters {
  queues: DeadLetterQueue[];
  /** Functions whose DeadLetterConfig was set here (it was missing or different). */
  functionsApplied: string[];
  /** Rule targets (`<rule>/<target id>`) whose DLQ or retry policy was set here. */
  targetsApplied: string[];
}

interface Template {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The logical id a `Ref` or `Fn::GetAtt` points to, if `v` is one. */
export function referencedId(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  if (typeof v.Ref === 'string') return v.Ref;
  const att = v['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  if (typeof att === 'string') return att.split('.')[0];
  return undefined;
}

/** `NexusPublisherDlq1A2B3C4D` → `nexus-publisher`; `LocalizationEventsDlqAB12CD34` → `localization-events`. */
export function shortName(logicalId: string): string {
  const base = logicalId.replace(/[0-9A-F]{8}$/, '').replace(/Dlq$/i, '') || logicalId;
  return base
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** An EventBridge rule target (a function) and the queue its dead letters go to. */
interface DeadLetterTarget {
  rule: string;
  bus?: string;
  targetId: string;
  fn: string;
  queue: string;
  retryPolicy?: Json;
}

/** Where each queue of the template receives dead letters from (pure: logical ids only). */
export function declaredDeadLetters(template: Template): {
  queues: string[];
  functions: Array<{ fn: string; queue: string }>;
  targets: DeadLetterTarget[];
  streams: Array<{ mapping: string; fn: string; queue: string }>;
  schedules: Array<{ fn: string; queue: string }>;
} {
  const resources = template.Resources ?? {};
  const queues = Object.keys(resources).filter((id) => resources[id]?.Type === 'AWS::SQS::Queue');
  const isQueue = (id: string | undefined): id is string => id !== undefined && queues.includes(id);
  const functions: Array<{ fn: string; queue: string }> = [];
  const targets: DeadLetterTarget[] = [];
  const streams: Array<{ mapping: string; fn: string; queue: string }> = [];
  const schedules: Array<{ fn: string; queue: string }> = [];
  for (const [id, r] of Object.entries(resources)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::Lambda::Function') {
      const q = referencedId(isObj(p.DeadLetterConfig) ? p.DeadLetterConfig.TargetArn : undefined);
      if (isQueue(q)) functions.push({ fn: id, queue: q });
      const vars = isObj(p.Environment) && isObj(p.Environment.Variables) ? p.Environment.Variables : {};
      for (const [k, v] of Object.entries(vars)) {
        const named = referencedId(v);
        if (/SCHEDULE.*DLQ/.test(k) && isQueue(named)) schedules.push({ fn: id, queue: named });
      }
    } else if (r.Type === 'AWS::Events::Rule' && Array.isArray(p.Targets)) {
      for (const t of p.Targets.filter(isObj)) {
        const q = referencedId(isObj(t.DeadLetterConfig) ? t.DeadLetterConfig.Arn : undefined);
        const fn = referencedId(t.Arn);
        if (!isQueue(q) || !fn || resources[fn]?.Type !== 'AWS::Lambda::Function') continue;
        const bus = typeof p.EventBusName === 'string' ? p.EventBusName : referencedId(p.EventBusName);
        targets.push({
          rule: id,
          ...(bus ? { bus } : {}),
          targetId: String(t.Id),
          fn,
          queue: q,
          ...(isObj(t.RetryPolicy) ? { retryPolicy: t.RetryPolicy } : {}),
        });
      }
    } else if (r.Type === 'AWS::Lambda::EventSourceMapping') {
      const dest =
        isObj(p.DestinationConfig) && isObj(p.DestinationConfig.OnFailure)
          ? p.DestinationConfig.OnFailure
          : {};
      const q = referencedId(dest.Destination);
      const fn = referencedId(p.FunctionName);
      if (isQueue(q) && fn) streams.push({ mapping: id, fn, queue: q });
    }
  }
  return { queues, functions, targets, streams, schedules };
}

/** AWS clients of the emulator, closed together. */
class Clients {
  readonly cfn: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly events: EventBridgeClient;
  readonly sqs: SQSClient;
  constructor(endpoint: string, region: string) {
    const c = clientConfig(endpoint, region);
    this.cfn = new CloudFormationClient(c);
    this.lambda = new LambdaClient(c);
    this.events = new EventBridgeClient(c);
    this.sqs = new SQSClient(c);
  }
  destroy(): void {
    for (const c of [this.cfn, this.lambda, this.events, this.sqs]) c.destroy();
  }
}

interface Resolved {
  declared: ReturnType<typeof declaredDeadLetters>;
  /** Deployed resources by qualified logical id (`<stack>/<logicalId>`). */
  physical: Map<string, StackResourceSummary>;
  queues: DeadLetterQueue[];
}

/**
 * The platform's stacks (the data stack `stackName` and the stateless ones) read as one template
 * (localstack/templates.ts: queues are in the data stack, the functions and rules that use them
 * import them), with their deployed resources.
 */
async function resolve(c: Clients, stackName: string): Promise<Resolved> {
  const stacks = stacksOf(stackName);
  const templates = await Promise.all(
    stacks.map(async (name) => {
      const tpl = await c.cfn.send(new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' }));
      if (!tpl.TemplateBody)
        throw new LocalError(`stack ${name} has no template: run "npm run local:deploy"`);
      return { name, template: JSON.parse(tpl.TemplateBody) as CfnTemplate };
    }),
  );
  const declared = declaredDeadLetters(mergeTemplates(templates));
  const physical = new Map<string, StackResourceSummary>();
  for (const name of stacks)
    for await (const page of paginateListStackResources({ client: c.cfn }, { StackName: name }))
      for (const r of page.StackResourceSummaries ?? [])
        if (r.LogicalResourceId) physical.set(qualify(name, r.LogicalResourceId), r);
  const phys = (id: string): string => {
    const p = physical.get(id)?.PhysicalResourceId;
    if (!p) throw new LocalError(`stack ${stackOf(id)} has no deployed resource ${logicalIdOf(id)}`);
    return p;
  };
  // A rule's physical id is `<bus>|<rule>` on AWS for a custom bus, the rule name elsewhere.
  const fnName = (id: string): string => phys(id).split(':').at(-1) ?? phys(id);
  const queues: DeadLetterQueue[] = [];
  for (const q of declared.queues) {
    const url = phys(q);
    const attrs = await c.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const sources: DeadLetterSource[] = [
      ...declared.functions
        .filter((f) => f.queue === q)
        .map((f): DeadLetterSource => ({ kind: 'function', functionName: fnName(f.fn) })),
      ...declared.targets
        .filter((t) => t.queue === q)
        .map(
          (t): DeadLetterSource => ({ kind: 'rule-target', functionName: fnName(t.fn), via: phys(t.rule) }),
        ),
      ...declared.streams
        .filter((s) => s.queue === q)
        .map((s): DeadLetterSource => ({ kind: 'stream', functionName: fnName(s.fn), via: phys(s.mapping) })),
      ...declared.schedules
        .filter((s) => s.queue === q)
        .map((s): DeadLetterSource => ({ kind: 'schedules', functionName: fnName(s.fn) })),
    ];
    queues.push({
      name: shortName(logicalIdOf(q)),
      stack: stackOf(q),
      logicalId: logicalIdOf(q),
      url,
      arn: attrs.Attributes?.QueueArn ?? '',
      sources,
    });
  }
  queues.sort((a, b) => a.name.localeCompare(b.name));
  return { declared, physical, queues };
}

/**
 * Applies every DLQ the deployed template declares that the emulator does not have: the
 * functions' `DeadLetterConfig`, the rule targets' `DeadLetterConfig` and `RetryPolicy`.
 */
export async function applyDeadLetters(
  endpoint: string,
  region: string,
  stackName: string,
): Promise<AppliedDeadLetters> {
  const c = new Clients(endpoint, region);
  try {
    const { declared, physical, queues } = await resolve(c, stackName);
    const arnOf = (id: string): string => queues.find((q) => qualify(q.stack, q.logicalId) === id)?.arn ?? '';
    const phys = (id: string): string => physical.get(id)?.PhysicalResourceId ?? id;
    const functionsApplied: string[] = [];
    for (const f of declared.functions) {
      const name = phys(f.fn);
      const want = arnOf(f.queue);
      const cur = await c.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      if (cur.DeadLetterConfig?.TargetArn === want) continue;
      await c.lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: name, DeadLetterConfig: { TargetArn: want } }),
      );
      functionsApplied.push(name);
    }
    const targetsApplied: string[] = [];
    for (const t of declared.targets) {
      const [bus, rule] = ruleAddress(phys(t.rule), t.bus === undefined ? undefined : phys(t.bus));
      const listed = await c.events.send(new ListTargetsByRuleCommand({ Rule: rule, EventBusName: bus }));
      const cur = listed.Targets?.find((x) => x.Id === t.targetId);
      if (!cur) continue;
      const want = arnOf(t.queue);
      const sameRetry = t.retryPolicy === undefined || sameJson(cur.RetryPolicy, t.retryPolicy);
      if (cur.DeadLetterConfig?.Arn === want && sameRetry) continue;
      await c.events.send(
        new PutTargetsCommand({
          Rule: rule,
          EventBusName: bus,
          Targets: [
            {
              ...cur,
              DeadLetterConfig: { Arn: want },
              ...(t.retryPolicy ? { RetryPolicy: t.retryPolicy } : {}),
            },
          ],
        }),
      );
      targetsApplied.push(`${rule}/${t.targetId}`);
    }
    return { queues, functionsApplied, targetsApplied };
  } finally {
    c.destroy();
  }
}

/** Equal as JSON, whatever the order of object keys. */
const sameJson = (a: unknown, b: unknown): boolean => {
  const norm = (v: unknown): unknown =>
    isObj(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, norm(v[k])]),
        )
      : v;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
};

/** `<bus>|<rule>` (AWS, custom bus) or a bare rule name (then the bus comes from the template). */
export function ruleAddress(physicalId: string, bus?: string): [string | undefined, string] {
  const i = physicalId.indexOf('|');
  return i >= 0 ? [physicalId.slice(0, i), physicalId.slice(i + 1)] : [bus, physicalId];
}

/** A queue with how many messages wait in it. */
export interface DeadLetterDepth extends DeadLetterQueue {
  /** Messages visible now. */
  depth: number;
  /** Messages received by a reader and not yet deleted or back. */
  inFlight: number;
}

/** Every dead-letter queue of the stack with its depth. */
export async function listDeadLetters(
  endpoint: string,
  region: string,
  stackName: string,
): Promise<DeadLetterDepth[]> {
  const c = new Clients(endpoint, region);
  try {
    const { queues } = await resolve(c, stackName);
    return await Promise.all(
      queues.map(async (q) => {
        const a = await c.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: q.url,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        return {
          ...q,
          depth: Number(a.Attributes?.ApproximateNumberOfMessages ?? 0),
          inFlight: Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
        };
      }),
    );
  } finally {
    c.destroy();
  }
}

/**
 * The event a dead letter holds. AWS puts the original event in the body of a function's DLQ
 * message (and of a rule target's); a Lambda on-failure destination (and MiniStack's DLQ)
 * wraps it: `{ requestContext: { condition }, requestPayload }`.
 */
export function deadLetterPayload(body: string | undefined): unknown {
  const parsed: unknown = JSON.parse(body ?? 'null');
  if (isObj(parsed) && isObj(parsed.requestContext) && 'requestPayload' in parsed)
    return parsed.requestPayload;
  return parsed;
}

/** What {@link redrive} did. */
export interface RedriveResult {
  queue: string;
  functionName: string;
  redriven: number;
  /** Messages left in the queue because they could not be sent back (reason each). */
  failed: Array<{ messageId: string; reason: string }>;
}

/** Finds a queue by short name, logical id or URL (case-insensitive). */
export function findQueue<T extends DeadLetterQueue>(queues: readonly T[], name: string): T | undefined {
  const n = name.toLowerCase();
  return queues.find((q) => q.name === n || q.logicalId.toLowerCase() === n || q.url === name);
}

/**
 * Sends every message of queue `name` back to the function it was dead-lettered from: an
 * asynchronous invoke of the original event (consumers are idempotent on the envelope id, so
 * an event that did take effect is not applied twice), then deletes the message.
 */
export async function redrive(
  endpoint: string,
  region: string,
  stackName: string,
  name: string,
  opts: { max?: number } = {},
): Promise<RedriveResult> {
  const c = new Clients(endpoint, region);
  try {
    const { queues } = await resolve(c, stackName);
    const q = findQueue(queues, name);
    if (!q)
      throw new LocalError(`no dead-letter queue "${name}" (have: ${queues.map((x) => x.name).join(', ')})`);
    const invokable = [...new Set(q.sources.filter((s) => s.kind !== 'stream').map((s) => s.functionName))];
    if (invokable.length !== 1) {
      throw new LocalError(
        invokable.length === 0
          ? `${q.name} holds stream batch records (the outbox relay's failures), not events: redrive is for consumer queues`
          : `${q.name} receives dead letters of several functions (${invokable.join(', ')}): cannot tell where to send them`,
      );
    }
    const functionName = invokable[0] as string;
    const result: RedriveResult = { queue: q.name, functionName, redriven: 0, failed: [] };
    const max = opts.max ?? Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    while (result.redriven + result.failed.length < max) {
      const got = await c.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: q.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
        }),
      );
      const messages = (got.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (messages.length === 0) break;
      const done: Array<{ Id: string; ReceiptHandle: string }> = [];
      for (const m of messages) {
        seen.add(m.MessageId as string);
        try {
          const payload = deadLetterPayload(m.Body);
          const res = await c.lambda.send(
            new InvokeCommand({
              FunctionName: functionName,
              InvocationType: 'Event',
              Payload: new TextEncoder().encode(JSON.stringify(payload)),
            }),
          );
          if (res.StatusCode !== 202) throw new Error(`invoke answered ${res.StatusCode}`);
          done.push({ Id: String(done.length), ReceiptHandle: m.ReceiptHandle as string });
          result.redriven++;
        } catch (e) {
          result.failed.push({ messageId: m.MessageId as string, reason: (e as Error).message });
        }
      }
      if (done.length) await c.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: q.url, Entries: done }));
    }
    return result;
  } finally {
    c.destroy();
  }
}
