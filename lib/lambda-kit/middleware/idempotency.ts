/**
 * Idempotent retries (one concern), the `Idempotency-Key` request header of the IETF httpapi
 * draft, on the routes the registry declares `idempotent` (POSTs that create or add). Built on
 * Powertools idempotency (its middy middleware and DynamoDB persistence layer, the table the
 * event consumers already use):
 * - the record key is the route, the caller (`sub`) and the header's value, so two callers or
 *   two routes never share a key;
 * - the payload hash covers the request path and the body: the same key with another body (or
 *   on another entity) is a 422 naming the header;
 * - the first complete answer is kept 24 h and replayed as it was (status, body, headers) with
 *   `Idempotency-Replayed: true`, without running the route again;
 * - a duplicate that arrives while the first is still running is a 409 naming the header (retry
 *   with the same key: it replays once the first is done);
 * - a request that fails (any error) keeps no record: a retry runs it again.
 * Without the header, or on other routes, the middleware does nothing.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { idempotencyEnv } from '../../config/functions.ts';
import { TemporaError, validationError } from '../../errors.ts';
import { routeKey } from '../../registry/route-key.ts';
import { type HttpMiddyRequest, stateOf } from '../http-types.ts';
import { once } from '../lazy.ts';
import type { HttpResponse } from '../response.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotency-Replayed';
/** How long a key is remembered (the draft's suggestion; the 24 h). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const HEADER = IDEMPOTENCY_HEADER.toLowerCase();
/** 1–255 visible ASCII characters (an sf-string's quotes are dropped first). */
const KEY_RE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

/** What Powertools hashes: `key` is the record key, `request` the payload a reuse must match. */
export interface IdempotentRequest {
  key: string;
  request: { path: string; body: unknown };
}

/** The header's value, validated (400 naming `headers.idempotency-key`), or undefined when absent. */
export function idempotencyKeyOf(
  headers: Record<string, string | undefined> | undefined,
): string | undefined {
  const raw = headers?.[HEADER];
  if (raw === undefined) return undefined;
  const value = raw.trim().replace(/^"(.*)"$/, '$1');
  if (!KEY_RE.test(value)) {
    throw validationError([
      { path: `headers.${HEADER}`, message: 'must be 1-255 visible ASCII characters (e.g. a UUID)' },
    ]);
  }
  return value;
}

type Stored = { headers?: Record<string, string> } & Record<string, unknown>;

/** Powertools' response hook: a stored answer is marked as a replay. */
const replayed = <T>(response: T): T => {
  const r = response as Stored;
  return { ...r, headers: { ...r.headers, [REPLAYED_HEADER.toLowerCase()]: 'true' } } as T;
};

/** The Powertools middleware, built on the first keyed request (a cold start without one builds nothing). */
const powertools = once(() =>
  makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: idempotencyEnv.current().idempotencyTable }),
    keyPrefix: 'http',
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'request',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
      responseHook: replayed,
    }),
  }),
);

/** The Powertools errors a client caused, as contract errors naming the header. */
function clientError(e: unknown): TemporaError | undefined {
  const name = e instanceof Error ? e.name : '';
  if (name === 'IdempotencyValidationError') {
    return new TemporaError(
      422,
      'idempotency_key_reused',
      `${IDEMPOTENCY_HEADER} was already used with a different request (path or body); use a new key`,
      { header: IDEMPOTENCY_HEADER },
    );
  }
  if (name === 'IdempotencyAlreadyInProgressError') {
    return new TemporaError(
      409,
      'idempotency_in_progress',
      `A request with this ${IDEMPOTENCY_HEADER} is still in progress; retry with the same key to get its answer`,
      { header: IDEMPOTENCY_HEADER },
    );
  }
  return undefined;
}

/** The middy request Powertools sees: our payload as its event, the same context and internals. */
const shimOf = (request: HttpMiddyRequest, payload: IdempotentRequest): Request =>
  ({
    event: payload,
    context: request.context,
    internal: request.internal,
    response: request.response,
    error: request.error,
  }) as unknown as Request;

export function idempotentRetries(): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  // Per invocation: the payload and whether this request saved the in-progress record.
  const keyed = new WeakMap<object, { payload: IdempotentRequest; owned: boolean }>();
  return {
    before: async (request: HttpMiddyRequest) => {
      const state = stateOf(request);
      const def = state.route?.definition;
      if (!def?.idempotent) return;
      const key = idempotencyKeyOf(request.event.headers);
      if (key === undefined) return;
      const payload: IdempotentRequest = {
        key: `${routeKey(def)}|${state.principal?.sub ?? '-'}|${key}`,
        request: { path: request.event.rawPath ?? '', body: state.body ?? null },
      };
      const entry = { payload, owned: false };
      keyed.set(request.internal, entry);
      let stored: unknown;
      try {
        stored = await powertools().before?.(shimOf(request, payload) as never);
      } catch (e) {
        throw clientError(e) ?? e;
      }
      if (stored !== undefined) {
        // A replay: the route does not run again; this request's correlation id is echoed.
        const r = stored as HttpResponse;
        return { ...r, headers: { ...r.headers, 'x-correlation-id': state.correlationId } };
      }
      entry.owned = true;
      return undefined;
    },
    after: async (request: HttpMiddyRequest) => {
      const entry = keyed.get(request.internal);
      if (!entry?.owned) return;
      await powertools().after?.(shimOf(request, entry.payload) as never);
    },
    onError: async (request: HttpMiddyRequest) => {
      const entry = keyed.get(request.internal);
      // Only the request that saved the in-progress record removes it (never a duplicate's 409).
      if (!entry?.owned) return;
      entry.owned = false;
      await powertools().onError?.(shimOf(request, entry.payload) as never);
    },
  };
}
