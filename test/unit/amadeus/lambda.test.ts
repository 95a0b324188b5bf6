/**
 * lib/amadeus/lambda.ts without AWS: the /api/kg routes over an in-memory history, the
 * Nexus consumer and the publish-on-deploy custom resource.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  allServices,
  buildGraph,
  impact,
  type KnowledgeGraph,
  summarize,
} from '../../../lib/amadeus/index.ts';
import {
  type AmadeusDeps,
  amadeusRoutes,
  graphSource,
  isCustomResourceEvent,
  onCustomResource,
  onEnvelope,
  PUBLISH_PHYSICAL_ID,
  PUBLISH_RESOURCE_TYPE,
} from '../../../lib/amadeus/lambda.ts';
import type { EntityEdgeChange } from '../../../lib/amadeus/store.ts';
import type { EventEnvelope } from '../../../lib/events/envelope.ts';
import type { HttpRequest } from '../../../lib/lambda-kit/http.ts';
import { getPlatformService } from '../../../lib/registry/index.ts';
import { InMemoryGraphHistory } from '../../kit/graph-history.ts';
import { callDeclared } from '../../kit/routes.ts';

const GRAPH = buildGraph(allServices(), { now: () => new Date('2025-06-01T00:00:00Z') });

function deps(opts: { published?: boolean } = {}) {
  const mem = new InMemoryGraphHistory({ now: () => new Date('2025-06-02T00:00:00Z') });
  const applied: EntityEdgeChange[] = [];
  const d = {
    history: {
      latest: () => mem.latest(),
      append: (g: KnowledgeGraph) => mem.append(g),
      summaries: async (limit?: number) => (await mem.list(limit)).map(summarize),
    },
    patterns: {
      apply: async (c: EntityEdgeChange) => {
        applied.push(c);
        return { applied: true, put: [], removed: [] };
      },
      members: vi.fn(async (_p: string, _q?: { limit?: number; cursor?: string }) => ({
        items: [{ type: 'campaign', id: 'c1', dependencies: ['user'] }],
        next_cursor: null,
      })),
    },
    build: () => GRAPH,
    cacheTtlMs: 0,
  } satisfies AmadeusDeps;
  return { d, mem, applied, ready: opts.published === false ? Promise.resolve() : mem.append(GRAPH) };
}

const req = (over: Partial<HttpRequest> = {}): HttpRequest => ({
  event: {} as HttpRequest['event'],
  principal: { sub: 'u1', role: 'user' } as HttpRequest['principal'],
  correlationId: 'corr-0001',
  body: undefined,
  params: {},
  query: {},
  headers: {},
  ...over,
});

/** A route called as the kit calls it: its declaration enforced, its answer checked against it. */
const call = async (d: AmadeusDeps, key: string, over: Partial<HttpRequest> = {}) =>
  callDeclared(getPlatformService('amadeus').routes, amadeusRoutes(d), key, req(over));

describe('the /api/kg routes', () => {
  it('declare exactly the routes of the registry entry, none public', () => {
    const amadeus = allServices().find((s) => s.name === 'amadeus')!;
    const routes = amadeusRoutes(deps().d);
    expect(Object.keys(routes).sort()).toEqual(amadeus.routes!.map((r) => `${r.method} ${r.path}`).sort());
    expect(Object.values(routes).every((r) => !r.public)).toBe(true);
  });

  it('GET /api/kg serves the latest published version, with an ETag', async () => {
    const { d, ready } = deps();
    await ready;
    const r = await call(d, 'GET /api/kg');
    expect(r.statusCode).toBe(200);
    const body = JSON.parse(r.body as string) as KnowledgeGraph;
    expect(body.version).toBe(1);
    expect(body.last_updated).toBe('2025-06-02T00:00:00.000Z');
    expect(Object.keys(body.services)).toEqual(Object.keys(GRAPH.services));
    expect(r.headers).toMatchObject({ etag: `"${GRAPH.hash}"`, 'x-kg-version': '1' });
    const again = await call(d, 'GET /api/kg', { headers: { 'if-none-match': `"${GRAPH.hash}"` } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBeUndefined();
  });

  it('serves the graph of the code as version 0 before the first publication', async () => {
    const { d } = deps({ published: false });
    const body = JSON.parse((await call(d, 'GET /api/kg')).body as string) as KnowledgeGraph;
    expect(body.version).toBe(0);
  });

  it('caches the latest version for cacheTtlMs', async () => {
    const { d, ready } = deps();
    await ready;
    let now = 0;
    const latest = vi.spyOn(d.history, 'latest');
    const source = graphSource({ ...d, cacheTtlMs: 1000, clock: () => now });
    await source();
    await source();
    expect(latest).toHaveBeenCalledTimes(1);
    now = 1000;
    await source();
    expect(latest).toHaveBeenCalledTimes(2);
  });

  it('GET /api/kg/services/{name} and /impact/{name} answer from the graph; unknown → 404 naming known ones', async () => {
    const { d, ready } = deps();
    await ready;
    const svc = await call(d, 'GET /api/kg/services/{name}', { params: { name: 'campaign' } });
    expect(JSON.parse(svc.body as string)).toMatchObject({ name: 'campaign', entity: 'campaign' });
    const imp = await call(d, 'GET /api/kg/impact/{name}', { params: { name: 'campaign' } });
    expect(JSON.parse(imp.body as string)).toEqual(impact(GRAPH, 'campaign'));

    const unknown = call(d, 'GET /api/kg/impact/{name}', { params: { name: 'nope' } });
    await expect(unknown).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      details: { service: 'nope', known: expect.arrayContaining(['campaign', 'amadeus', 'nexus']) },
    });
    await expect(call(d, 'GET /api/kg/services/{name}', { params: { name: '' } })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('GET /api/kg/diagram is Mermaid text; focus, deps_only and direction are checked', async () => {
    const { d, ready } = deps();
    await ready;
    const r = await call(d, 'GET /api/kg/diagram');
    expect(r.headers?.['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body).toMatch(/^graph LR\n/);
    const focused = await call(d, 'GET /api/kg/diagram', {
      query: { focus: 'campaign', deps_only: 'true', direction: 'TD' },
    });
    expect(focused.body).toMatch(/^graph TD\n/);
    expect(focused.body).not.toMatch(/integrates with/);
    expect(focused.body).toMatch(/class svc_campaign focus/);
    await expect(call(d, 'GET /api/kg/diagram', { query: { focus: 'nope' } })).rejects.toMatchObject({
      status: 404,
    });
    await expect(call(d, 'GET /api/kg/diagram', { query: { deps_only: 'yes' } })).rejects.toMatchObject({
      status: 400,
      details: { issues: [{ path: 'query.deps_only' }] },
    });
  });

  it('GET /api/kg/history lists summaries newest first; a bad limit is a 400', async () => {
    const { d, mem, ready } = deps();
    await ready;
    await mem.append(buildGraph(allServices().filter((s) => s.name !== 'amadeus')));
    const r = JSON.parse((await call(d, 'GET /api/kg/history', { query: { limit: '5' } })).body as string);
    expect(r.items.map((i: { version: number }) => i.version)).toEqual([2, 1]);
    expect(r.items[0]).not.toHaveProperty('graph');
    expect(r.items[0].changes_from_previous.services_removed).toEqual(['amadeus']);
    await expect(call(d, 'GET /api/kg/history', { query: { limit: 'x' } })).rejects.toMatchObject({
      status: 400,
    });
    await expect(call(d, 'GET /api/kg/history', { query: { limit: '101' } })).rejects.toMatchObject({
      status: 400,
    });
  });

  it('GET /api/kg/patterns/{pattern} pages the members of the (trimmed) pattern', async () => {
    const { d } = deps();
    const r = await call(d, 'GET /api/kg/patterns/{pattern}', {
      params: { pattern: ' waitlist ' },
      query: { limit: '10' },
    });
    expect(JSON.parse(r.body as string)).toEqual({
      pattern: 'waitlist',
      items: [{ type: 'campaign', id: 'c1', dependencies: ['user'] }],
      next_cursor: null,
    });
    expect(d.patterns.members).toHaveBeenCalledWith('waitlist', { limit: 10 });
    await expect(
      call(d, 'GET /api/kg/patterns/{pattern}', { params: { pattern: 'x'.repeat(600) } }),
    ).rejects.toMatchObject({ status: 400 });
  });
});

describe('the Nexus consumer', () => {
  const env = (type: string, metadata?: Record<string, unknown>): EventEnvelope => ({
    id: '01J00000000000000000000000',
    type,
    version: '1.0.0',
    source: 'tempora.campaign',
    environment: 'test',
    occurred_at: '2025-06-01T00:00:00Z',
    correlation_id: 'corr-0001',
    actor: { id: 'a', role: 'admin' },
    entity: { type: 'campaign', id: 'c1', version: 2 },
    ...(metadata ? { metadata } : {}),
  });

  it('applies entity writes and ignores events without the entity metadata', async () => {
    const { d, applied } = deps();
    await onEnvelope(d, env('campaign.updated', { knowledge_graph: { pattern: 'waitlist' } }));
    await onEnvelope(d, env('scheduler.executed'));
    expect(applied).toEqual([
      {
        type: 'campaign',
        id: 'c1',
        version: 2,
        deleted: false,
        edges: [{ from: { type: 'campaign', id: 'c1' }, to: 'waitlist', kind: 'uses_pattern' }],
      },
    ]);
  });
});

describe('publish on deploy (custom resource)', () => {
  const cfn = (RequestType: 'Create' | 'Update' | 'Delete', ResourceType = PUBLISH_RESOURCE_TYPE) =>
    ({
      RequestType,
      ResourceType,
      ResponseURL: 'https://example.invalid/response',
      StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/Tempora-test/x',
      RequestId: 'r1',
      LogicalResourceId: 'AmadeusPublish',
      ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:amadeus',
      ResourceProperties: { ServiceToken: 'x', hash: GRAPH.hash, format: '1' },
      ...(RequestType === 'Create' ? {} : { PhysicalResourceId: PUBLISH_PHYSICAL_ID }),
    }) as unknown as CloudFormationCustomResourceEvent;

  it('is recognised as a custom resource event (and an HTTP or direct call is not)', () => {
    expect(isCustomResourceEvent(cfn('Create') as never)).toBe(true);
    expect(isCustomResourceEvent({ kind: 'amadeus.publish' })).toBe(false);
  });

  it('Create publishes version 1, Update with the same graph publishes nothing, Delete keeps the history', async () => {
    const { d, mem } = deps({ published: false });
    expect(await onCustomResource(d, cfn('Create'))).toEqual({
      PhysicalResourceId: PUBLISH_PHYSICAL_ID,
      Data: { Version: '1', Hash: GRAPH.hash, Created: 'true' },
    });
    expect(await onCustomResource(d, cfn('Update'))).toEqual({
      PhysicalResourceId: PUBLISH_PHYSICAL_ID,
      Data: { Version: '1', Hash: GRAPH.hash, Created: 'false' },
    });
    expect(await onCustomResource(d, cfn('Delete'))).toEqual({ PhysicalResourceId: PUBLISH_PHYSICAL_ID });
    expect(await mem.list()).toHaveLength(1);
  });

  it('fails (the Provider framework answers FAILED with the message) on an unknown resource type or a storage error', async () => {
    const { d } = deps({ published: false });
    await expect(onCustomResource(d, cfn('Create', 'Custom::Other'))).rejects.toThrow(
      'Unknown resource type Custom::Other',
    );
    const broken = {
      ...d,
      history: {
        ...d.history,
        append: async () => {
          throw new Error('table missing');
        },
      },
    };
    await expect(onCustomResource(broken, cfn('Update'))).rejects.toThrow('table missing');
  });
});
