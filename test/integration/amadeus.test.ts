/**
 * Amadeus over HTTPS on the emulator: the graph published by the deploy (custom resource),
 * one service, impact analysis (compared with the library's own answer), the Mermaid
 * diagram, the history, and pattern edges ingested from entity events.
 */
import { describe, expect, it } from 'vitest';
import {
  allServices,
  buildGraph,
  type ImpactReport,
  impact,
  type KgServiceNode,
  type KnowledgeGraph,
  type VersionSummary,
} from '../../lib/amadeus/index.ts';
import { api, eventually } from './support/client.ts';

const EXPECTED = buildGraph(allServices());
const NAMES = allServices()
  .map((s) => s.name)
  .sort();
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

interface ErrorBody {
  error: { code: string; message: string; details?: { service?: string; known?: string[] } };
}
interface PatternPage {
  pattern: string;
  items: Array<{ type: string; id: string; dependencies: string[] }>;
  next_cursor: string | null;
}

describe('the published knowledge graph', () => {
  it('GET /api/kg has every registry and platform service, published as version ≥ 1 of this registry', async () => {
    const r = await api<KnowledgeGraph>('GET', '/api/kg');
    expect(r.status, r.text).toBe(200);
    expect(Object.keys(r.body.services).sort()).toEqual(NAMES);
    expect(r.body.version).toBeGreaterThanOrEqual(1);
    expect(r.body.hash).toBe(EXPECTED.hash);
    expect(Date.parse(r.body.last_updated)).not.toBeNaN();
    expect(r.headers.get('x-kg-version')).toBe(String(r.body.version));
  });

  it('is for authenticated callers of any role', async () => {
    expect((await api('GET', '/api/kg', { as: null })).status).toBe(401);
    expect((await api('GET', '/api/kg', { as: 'user' })).status).toBe(200);
    expect((await api('GET', '/api/kg/services/user', { as: 'service' })).status).toBe(200);
  });

  it('GET /api/kg/services/campaign answers the campaign node', async () => {
    const r = await api<KgServiceNode>('GET', '/api/kg/services/campaign', { as: 'user' });
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual(EXPECTED.services.campaign);
  });

  it('GET /api/kg/impact/campaign matches impact() computed from the registry', async () => {
    const r = await api<ImpactReport>('GET', '/api/kg/impact/campaign');
    expect(r.status, r.text).toBe(200);
    expect(r.body).toEqual(impact(buildGraph(allServices()), 'campaign'));
    expect(r.body.direct_dependencies).toEqual(['notification', 'user']);
    expect(r.body.cycles.length).toBeGreaterThan(0);
  });

  it('impact of an unknown service is a 404 naming the known services', async () => {
    const r = await api<ErrorBody>('GET', '/api/kg/impact/no-such-service');
    expect(r.status, r.text).toBe(404);
    expect(r.body.error.code).toBe('not_found');
    expect(r.body.error.message).toContain('no-such-service');
    for (const n of ['campaign', 'user', 'amadeus']) expect(r.body.error.message).toContain(n);
    expect(r.body.error.details).toEqual({ service: 'no-such-service', known: NAMES });
    expect((await api('GET', '/api/kg/services/no-such-service')).status).toBe(404);
  });

  it('GET /api/kg/diagram is Mermaid as text/plain', async () => {
    const r = await api('GET', '/api/kg/diagram');
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text.startsWith('graph')).toBe(true);
    expect(r.text).toContain('svc_campaign["campaign"]');
    const focused = await api('GET', '/api/kg/diagram?focus=campaign&deps_only=true');
    expect(focused.status, focused.text).toBe(200);
    expect(focused.text).toContain('class svc_campaign focus');
    expect(focused.text).not.toContain('integrates with');
    expect((await api('GET', '/api/kg/diagram?focus=no-such-service')).status).toBe(404);
    expect((await api('GET', '/api/kg/diagram?deps_only=maybe')).status).toBe(400);
  });

  it('GET /api/kg/history lists the versions newest first, the latest being the served graph', async () => {
    const kg = await api<KnowledgeGraph>('GET', '/api/kg');
    const r = await api<{ items: VersionSummary[] }>('GET', '/api/kg/history');
    expect(r.status, r.text).toBe(200);
    expect(r.body.items.length).toBeGreaterThanOrEqual(1);
    const [latest] = r.body.items;
    expect(latest).toMatchObject({ version: kg.body.version, hash: kg.body.hash });
    expect(latest).not.toHaveProperty('graph');
    expect(latest).toHaveProperty('changes_from_previous');
    const versions = r.body.items.map((i) => i.version);
    expect(versions).toEqual([...versions].sort((a, b) => b - a));
    const one = await api<{ items: VersionSummary[] }>('GET', '/api/kg/history?limit=1');
    expect(one.body.items).toHaveLength(1);
    expect((await api('GET', '/api/kg/history?limit=abc')).status).toBe(400);
  });
});

describe('pattern edges from entity metadata', () => {
  it('lists an entity under its knowledge_graph.pattern, follows a patch, and forgets it on delete', async () => {
    const u = unique();
    const waitlist = `waitlist-${u}`;
    const raffle = `raffle-${u}`;
    const members = async (pattern: string) => {
      const r = await api<PatternPage>('GET', `/api/kg/patterns/${encodeURIComponent(pattern)}`, {
        as: 'user',
      });
      expect(r.status, r.text).toBe(200);
      return r.body;
    };
    const created = await api<{ id: string }>('POST', '/api/campaigns', {
      body: {
        name: `Waitlist ${u}`,
        metadata: { knowledge_graph: { pattern: waitlist, dependencies: ['user', 'notification'] } },
      },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;

    const listed = await eventually(
      async () => {
        const page = await members(waitlist);
        return page.items.length > 0 ? page : undefined;
      },
      60_000,
      `the campaign under pattern ${waitlist}`,
    );
    expect(listed).toEqual({
      pattern: waitlist,
      items: [{ type: 'campaign', id, dependencies: ['notification', 'user'] }],
      next_cursor: null,
    });

    // Patch the pattern away (to another one): it leaves the first and joins the second.
    const patched = await api('PATCH', `/api/campaigns/${id}`, {
      body: { metadata: { knowledge_graph: { pattern: raffle } } },
    });
    expect(patched.status, patched.text).toBe(200);
    await eventually(
      async () => ((await members(waitlist)).items.length === 0 ? true : undefined),
      60_000,
      `the campaign to leave ${waitlist}`,
    );
    expect((await members(raffle)).items).toEqual([
      { type: 'campaign', id, dependencies: ['notification', 'user'] },
    ]);

    const deleted = await api('DELETE', `/api/campaigns/${id}`);
    expect(deleted.status, deleted.text).toBe(204);
    await eventually(
      async () => ((await members(raffle)).items.length === 0 ? true : undefined),
      60_000,
      `the deleted campaign to leave ${raffle}`,
    );
    expect((await members(waitlist)).items).toEqual([]);
  });

  it('an unused pattern lists nothing; a bad cursor is a 400', async () => {
    const r = await api<PatternPage>('GET', `/api/kg/patterns/nobody-uses-${unique()}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body.items).toEqual([]);
    expect((await api('GET', '/api/kg/patterns/x?cursor=bogus')).status).toBe(400);
  });
});
