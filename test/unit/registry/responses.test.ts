/**
 * The declared response schemas (lib/registry/responses.ts) accept what the code really returns:
 * the values are built by the same lib functions the handlers answer with.
 */
import { describe, expect, it } from 'vitest';
import {
  impactReportSchema,
  kgHistorySchema,
  kgServiceSchema,
  knowledgeGraphSchema,
  mermaidSchema,
} from '../../../lib/amadeus/contract.ts';
import {
  allServices,
  buildGraph,
  getServiceNode,
  impact,
  summarize,
  toMermaid,
} from '../../../lib/amadeus/index.ts';
import { analyticsSummarySchema } from '../../../lib/analytics/contract-routes.ts';
import { daySummary, summarize as summarizeDays } from '../../../lib/analytics/counters.ts';
import { buildEnvelope } from '../../../lib/events/envelope.ts';
import { envelopeResponseSchema } from '../../../lib/nexus/contract.ts';
import { defaultPolicy } from '../../../lib/policy/matrix.ts';
import { routeKey } from '../../../lib/registry/index.ts';
import { openApiDocument } from '../../../lib/registry/openapi.ts';
import { platform } from '../../../lib/registry/platform.ts';
import { openApiSchema } from '../../../lib/registry/responses.ts';
import { auditRecordSchema, policyMatrixSchema } from '../../../lib/security/contract-routes.ts';
import { InMemoryGraphHistory } from '../../kit/graph-history.ts';

const graph = buildGraph(allServices());

describe('declared response schemas match what the handlers return', () => {
  it('knowledge graph, one service, impact, diagram, history', async () => {
    expect(knowledgeGraphSchema.safeParse(graph).error).toBeUndefined();
    expect(kgServiceSchema.safeParse(getServiceNode(graph, 'campaign')).error).toBeUndefined();
    expect(impactReportSchema.safeParse(impact(graph, 'user')).error).toBeUndefined();
    expect(mermaidSchema.safeParse(toMermaid(graph)).error).toBeUndefined();
    const history = new InMemoryGraphHistory();
    await history.append(graph);
    await history.append({ ...graph, hash: 'changed', services: {} });
    const items = (await history.list()).map(summarize);
    expect(items[0]?.changes_from_previous).not.toBeNull();
    expect(kgHistorySchema.safeParse({ items }).error).toBeUndefined();
  });

  it('analytics summary', () => {
    const day = daySummary('2026-03-01', [
      { sk: 'total', count: 2 },
      { sk: 'type#user.created', count: 2 },
      { sk: 'tag#vip', count: 1 },
    ]);
    const out = summarizeDays('2026-03-01', '2026-03-01', [day]);
    expect(analyticsSummarySchema.safeParse(out).error).toBeUndefined();
  });

  it('event envelope and audit record', () => {
    const e = buildEnvelope({
      type: 'billing.invoice_paid',
      service: 'billing-sync',
      environment: 'dev',
      correlationId: 'corr-0001',
      actor: { id: 'svc', role: 'service' },
      entity: { type: 'invoice', id: 'inv_1', version: 0 },
      payload: { amount: 1 },
    });
    expect(envelopeResponseSchema.safeParse(e).error).toBeUndefined();
    const record = {
      id: e.id,
      type: e.type,
      source: e.source,
      entity_id: e.entity.id,
      entity_type: e.entity.type,
      occurred_at: e.occurred_at,
      at_sk: `${e.occurred_at}#${e.id}`,
      correlation_id: e.correlation_id,
      actor: e.actor,
      envelope: e,
      recorded_at: e.occurred_at,
    };
    expect(auditRecordSchema.safeParse(record).error).toBeUndefined();
  });

  it('policy matrix (defaults) and the OpenAPI document itself', () => {
    const defaults = {
      user: defaultPolicy('user'),
      admin: defaultPolicy('admin'),
      service: defaultPolicy('service'),
    };
    expect(policyMatrixSchema.safeParse({ environment: 'dev', items: [], defaults }).error).toBeUndefined();
    expect(openApiSchema.safeParse(openApiDocument()).error).toBeUndefined();
  });

  it('the scheduler cancel answers 200 with the intent (not a 204)', () => {
    const del = platform
      .flatMap((p) => p.routes)
      .find((r) => routeKey(r) === 'DELETE /api/scheduler/intents/{id}');
    expect(del?.status).toBe(200);
  });
});
