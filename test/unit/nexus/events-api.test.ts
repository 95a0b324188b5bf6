/**
 * `POST /api/events` (lib/nexus/events-route.ts): who may put an event on the bus, what is refused,
 * and the one outbox write a success makes, over a fake DocumentClient (test/kit).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../lib/auth/tokens.ts';
import { isTemporaError, type TemporaError } from '../../../lib/errors.ts';
import { ENVELOPE_VERSION, type EventEnvelope, envelopeSchema } from '../../../lib/events/envelope.ts';
import { OUTBOX_TTL_SECONDS } from '../../../lib/events/outbox.ts';
import type { HttpRequest } from '../../../lib/lambda-kit/http.ts';
import { eventRoutes } from '../../../lib/nexus/index.ts';
import { getPlatformService } from '../../../lib/registry/index.ts';
import { FakeDdb } from '../../kit/dynamodb.ts';
import { admin, service } from '../../kit/principals.ts';
import { callDeclared } from '../../kit/routes.ts';

const OUTBOX = 'tempora-test-_nexus_outbox';
const ROUTE = 'POST /api/events';
const CORRELATION = 'corr-events-0001';

const request = (principal: Principal | undefined, body: unknown): HttpRequest => ({
  event: {} as APIGatewayProxyEventV2,
  principal,
  correlationId: CORRELATION,
  body,
  params: {},
  query: {},
  headers: {},
});

const call = async (principal: Principal | undefined, body: unknown) => {
  const ddb = new FakeDdb();
  const routes = eventRoutes(ddb.client, OUTBOX, 'test');
  const result = await callDeclared(
    getPlatformService('nexus').routes,
    routes,
    ROUTE,
    request(principal, body),
  ).then(
    (response) => ({ response, error: undefined }),
    (error: unknown) => ({ response: undefined, error }),
  );
  return { ddb, ...result };
};

const valid = { type: 'invoice.paid', entity: { type: 'invoice', id: 'inv-1' }, payload: { amount: 12 } };

/** The 4xx a call was refused with. */
const refusal = (error: unknown): TemporaError => {
  expect(isTemporaError(error), String(error)).toBe(true);
  return error as TemporaError;
};
const issuePaths = (error: unknown): string[] =>
  (refusal(error).details as { issues: Array<{ path: string }> }).issues.map((i) => i.path);

describe('POST /api/events: who may call it', () => {
  it('is an authenticated route (not public)', () => {
    expect(eventRoutes(new FakeDdb().client, OUTBOX, 'test')[ROUTE]?.public).toBeFalsy();
  });

  it('refuses a user (403 with the rule) and writes nothing', async () => {
    const { ddb, error } = await call({ sub: 'bob', role: 'user' }, valid);
    expect(refusal(error).status).toBe(403);
    expect(refusal(error).toBody()).toEqual({
      error: {
        code: 'forbidden',
        message: expect.any(String),
        details: { rule: 'nexus.events.put', allowed_roles: ['admin', 'service'] },
      },
    });
    expect(ddb.sent).toEqual([]);
  });

  it('refuses a request without a principal (403), before looking at the body', async () => {
    const { ddb, error } = await call(undefined, { nonsense: true });
    expect(refusal(error).status).toBe(403);
    expect(ddb.sent).toEqual([]);
  });
});

describe('POST /api/events: bad bodies (400 naming each field)', () => {
  it.each([
    ['an upper-case type', { ...valid, type: 'Invoice.Paid' }, ['type']],
    ['a type with spaces', { ...valid, type: 'invoice paid' }, ['type']],
    ['a missing type', { entity: valid.entity }, ['type']],
    ['a missing entity', { type: 'invoice.paid' }, ['entity']],
    ['an entity without id', { ...valid, entity: { type: 'invoice' } }, ['entity.id']],
    ['a negative entity version', { ...valid, entity: { ...valid.entity, version: -1 } }, ['entity.version']],
    ['an upper-case service', { ...valid, service: 'Billing' }, ['service']],
    ['a payload that is not an object', { ...valid, payload: [1, 2] }, ['payload']],
    ['an unknown field', { ...valid, source: 'tempora.evil' }, ['source']],
    ['no body at all', undefined, ['']],
  ])('refuses %s', async (_what, body, paths) => {
    const { ddb, error } = await call(admin, body);
    expect(refusal(error).status).toBe(400);
    expect(refusal(error).code).toBe('validation_failed');
    expect(issuePaths(error)).toEqual(paths);
    expect(ddb.sent).toEqual([]);
  });
});

describe('POST /api/events: success', () => {
  it('answers 202 with the envelope and writes exactly one outbox Put of it', async () => {
    const { ddb, response, error } = await call(admin, valid);
    expect(error).toBeUndefined();
    expect(response?.statusCode).toBe(202);
    const envelope = JSON.parse(response?.body ?? '{}') as EventEnvelope;

    expect(ddb.sent).toHaveLength(1);
    expect(ddb.transactions).toHaveLength(1);
    const items = ddb.transactions[0] ?? [];
    expect(items).toHaveLength(1);
    const put = items[0]?.Put;
    expect(put).toEqual({
      TableName: OUTBOX,
      Item: {
        id: envelope.id,
        envelope,
        created_at: envelope.occurred_at,
        expires_at: expect.any(Number),
      },
      ConditionExpression: 'attribute_not_exists(id)',
    });
    const ttl = (put?.Item?.expires_at as number) - Math.floor(Date.now() / 1000);
    expect(ttl).toBeGreaterThan(OUTBOX_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(OUTBOX_TTL_SECONDS);
  });

  it('builds a contract envelope: source tempora.api by default, the caller as actor, version 0', async () => {
    const { response } = await call(admin, valid);
    const envelope = JSON.parse(response?.body ?? '{}') as EventEnvelope;
    expect(envelopeSchema.safeParse(envelope).success).toBe(true);
    expect(envelope).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      type: 'invoice.paid',
      version: ENVELOPE_VERSION,
      source: 'tempora.api',
      environment: 'test',
      occurred_at: expect.any(String),
      correlation_id: CORRELATION,
      actor: { id: 'alice', role: 'admin' },
      entity: { type: 'invoice', id: 'inv-1', version: 0 },
      payload: { amount: 12 },
    });
  });

  it('takes the source from `service` and keeps the entity version; no payload → none', async () => {
    const { response, ddb } = await call(service, {
      type: 'invoice.paid',
      service: 'billing-sync',
      entity: { type: 'invoice', id: 'inv-1', version: 7 },
    });
    expect(response?.statusCode).toBe(202);
    const envelope = JSON.parse(response?.body ?? '{}') as EventEnvelope;
    expect(envelope.source).toBe('tempora.billing-sync');
    expect(envelope.actor).toEqual({ id: 'billing-sync', role: 'service' });
    expect(envelope.entity.version).toBe(7);
    expect('payload' in envelope).toBe(false);
    expect(ddb.transactions[0]?.[0]?.Put?.Item?.envelope).toEqual(envelope);
  });

  it('gives every event its own id', async () => {
    const a = JSON.parse((await call(admin, valid)).response?.body ?? '{}') as EventEnvelope;
    const b = JSON.parse((await call(admin, valid)).response?.body ?? '{}') as EventEnvelope;
    expect(a.id).not.toBe(b.id);
  });
});

describe("POST /api/events: EventBridge's limits", () => {
  it('refuses a type longer than 128 characters (400 naming type), writes nothing', async () => {
    const { ddb, error } = await call(admin, { ...valid, type: `a.${'b'.repeat(127)}` });
    expect(refusal(error).status).toBe(400);
    expect(issuePaths(error)).toEqual(['type']);
    expect(ddb.sent).toEqual([]);
  });

  it('accepts a type of exactly 128 characters', async () => {
    const { error } = await call(admin, { ...valid, type: `a.${'b'.repeat(126)}` });
    expect(error).toBeUndefined();
  });

  it('refuses an entry over 256 KB (413 naming payload), writes nothing', async () => {
    const { ddb, error } = await call(admin, { ...valid, payload: { pad: 'x'.repeat(256 * 1024) } });
    expect(refusal(error).status).toBe(413);
    expect(refusal(error).details).toMatchObject({ path: 'payload', limit: 256 * 1024 });
    expect(ddb.sent).toEqual([]);
  });

  it('refuses an entity id over 256 bytes and a payload number not stored exactly', async () => {
    const { ddb, error } = await call(admin, {
      ...valid,
      entity: { type: 'invoice', id: 'é'.repeat(200) },
      payload: { n: 1e300 },
    });
    expect(refusal(error).status).toBe(400);
    expect(issuePaths(error).sort()).toEqual(['entity.id', 'payload.n']);
    expect(ddb.sent).toEqual([]);
  });
});
