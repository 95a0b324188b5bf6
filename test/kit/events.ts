/**
 * Event factories of the shared test kit: a contract envelope with test defaults, and the
 * EventBridge event that carries one (as EventBridge delivers it to a consumer Lambda).
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { buildEnvelope, type EnvelopeInput, type EventEnvelope } from '../../lib/events/envelope.ts';

export type EnvelopeOptions = Partial<EnvelopeInput> & {
  /** Fields set on the built envelope as they are (e.g. a fixed `id`). */
  over?: Partial<EventEnvelope>;
};

/**
 * A valid contract envelope: `campaign.created` of campaign `c1` v1 by admin `alice` in
 * environment `test`, unless told otherwise; the service defaults to the entity type's.
 */
export function envelopeOf(opts: EnvelopeOptions = {}): EventEnvelope {
  const { over, ...input } = opts;
  const entity = input.entity ?? { type: 'campaign', id: 'c1', version: 1 };
  const type = input.type ?? `${entity.type}.created`;
  return {
    ...buildEnvelope({
      type,
      service: input.service ?? entity.type,
      environment: input.environment ?? 'test',
      correlationId: input.correlationId ?? 'corr-test-0001',
      actor: input.actor ?? { id: 'alice', role: 'admin' },
      entity,
      ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
      ...(input.payload === undefined ? {} : { payload: input.payload }),
      ...(input.occurredAt === undefined ? {} : { occurredAt: input.occurredAt }),
    }),
    ...over,
  };
}

/** The EventBridge event delivering an envelope, with every field EventBridge sets. */
export function bridgeEventOf(
  envelope: EventEnvelope,
  opts: { region?: string; account?: string } = {},
): EventBridgeEvent<string, EventEnvelope> {
  return {
    version: '0',
    id: envelope.id,
    'detail-type': envelope.type,
    source: envelope.source,
    account: opts.account ?? '000000000000',
    time: new Date(envelope.occurred_at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: opts.region ?? 'us-east-1',
    resources: [],
    detail: envelope,
  };
}

/** A Lambda context for invoking a handler in a unit test. */
export function lambdaContext(over: Partial<Context> = {}): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'tempora-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:tempora-test',
    memoryLimitInMB: '512',
    awsRequestId: 'c0ffee00-0000-4000-8000-000000000001',
    logGroupName: '/aws/lambda/tempora-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
    ...over,
  };
}
