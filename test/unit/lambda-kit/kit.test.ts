/**
 * The Lambda kit's consumer and WebSocket handlers (lib/lambda-kit): what each middleware stack
 * does with a valid, an invalid and a failing invocation.
 */
import { describe, expect, it, vi } from 'vitest';

// Powertools reads its configuration when lib/observability.ts is first imported.
vi.hoisted(() => {
  Object.assign(process.env, {
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_SERVICE_NAME: 'unit-test',
  });
});

import { forbidden } from '../../../lib/errors.ts';
import type { EventEnvelope } from '../../../lib/events/envelope.ts';
import { consumerHandler } from '../../../lib/lambda-kit/consumer.ts';
import { lazy, once } from '../../../lib/lambda-kit/lazy.ts';
import { type WsResult, wsHandler } from '../../../lib/lambda-kit/ws.ts';
import { logger } from '../../../lib/observability.ts';
import { bridgeEventOf, envelopeOf, lambdaContext } from '../../kit/events.ts';

describe('consumerHandler', () => {
  it('hands the validated envelope to the handler of its type, else to `*`', async () => {
    const seen: Array<[string, EventEnvelope]> = [];
    const handler = consumerHandler({
      'campaign.created': async (e) => void seen.push(['created', e]),
      '*': async (e) => void seen.push(['any', e]),
    });
    const created = envelopeOf();
    const updated = envelopeOf({ type: 'campaign.updated' });
    expect(await handler(bridgeEventOf(created), lambdaContext())).toEqual({ handled: 'campaign.created' });
    expect(await handler(bridgeEventOf(updated), lambdaContext())).toEqual({ handled: 'campaign.updated' });
    expect(seen).toEqual([
      ['created', created],
      ['any', updated],
    ]);
  });

  it('ignores a type without a handler (no `*`)', async () => {
    const handler = consumerHandler({ 'user.created': async () => {} });
    expect(await handler(bridgeEventOf(envelopeOf()), lambdaContext())).toEqual({ handled: 'ignored' });
  });

  it('fails on an invalid envelope (so EventBridge dead-letters it) and never calls the handler', async () => {
    const called = vi.fn(async () => {});
    const handler = consumerHandler({ '*': called });
    const bad = { ...bridgeEventOf(envelopeOf()), detail: { ...envelopeOf(), id: 'not-a-ulid' } };
    await expect(handler(bad as never, lambdaContext())).rejects.toThrow(
      /Invalid envelope for campaign.created/,
    );
    expect(called).not.toHaveBeenCalled();
  });

  it('puts the envelope ids on the log context and resets them after the invocation', async () => {
    const appended = vi.spyOn(logger, 'appendKeys');
    const reset = vi.spyOn(logger, 'resetKeys');
    const handler = consumerHandler({ '*': async () => expect(reset).not.toHaveBeenCalled() });
    const e = envelopeOf({ correlationId: 'corr-kit-00000001' });
    await handler(bridgeEventOf(e), lambdaContext());
    expect(appended).toHaveBeenCalledWith({
      correlation_id: 'corr-kit-00000001',
      event_id: e.id,
      event_type: e.type,
    });
    expect(reset).toHaveBeenCalled();
    vi.restoreAllMocks();
  });
});

describe('wsHandler', () => {
  const event = { requestContext: { connectionId: 'c1', eventType: 'CONNECT', requestId: 'req-00000001' } };

  it('returns the route result', async () => {
    const handler = wsHandler(async () => ({ statusCode: 200 }));
    expect(await handler(event, lambdaContext())).toEqual({ statusCode: 200 });
  });

  it('renders a Tempora error with its status and contract body', async () => {
    const handler = wsHandler(async (): Promise<WsResult> => {
      throw forbidden('not yours');
    });
    const r: WsResult = await handler(event, lambdaContext());
    expect(r.statusCode).toBe(403);
    expect(JSON.parse(r.body ?? '{}')).toMatchObject({ error: { code: 'forbidden', message: 'not yours' } });
  });

  it('renders anything else as a 500 without its details', async () => {
    const handler = wsHandler(async (): Promise<WsResult> => {
      throw new Error('password=hunter2');
    });
    const r: WsResult = await handler(event, lambdaContext());
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('hunter2');
  });
});

describe('lazy wiring', () => {
  it('once builds on first use only, and only once', () => {
    const build = vi.fn(() => ({}));
    const get = once(build);
    expect(build).not.toHaveBeenCalled();
    expect(get()).toBe(get());
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('lazy builds a handler on its first invocation', async () => {
    const build = vi.fn(() => async (n: number) => n + 1);
    const handler = lazy(build);
    expect(build).not.toHaveBeenCalled();
    expect(await handler(1)).toBe(2);
    expect(await handler(2)).toBe(3);
    expect(build).toHaveBeenCalledTimes(1);
  });
});
