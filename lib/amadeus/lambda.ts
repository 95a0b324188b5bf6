/**
 * The Amadeus Lambda: the `/api/kg` routes (any authenticated role may read), every Nexus
 * event (entities' `metadata.knowledge_graph` → pattern edges) and, invoked directly, the
 * publication of the graph: by the `Custom::TemporaKnowledgeGraph` resource on each deploy
 * whose registry changed, or by hand with `{ "kind": "amadeus.publish" }`.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { respond } from '../aws/cfn-response.ts';
import { documentClient } from '../aws/clients.ts';
import { defineEnv, VARS as V } from '../config/env.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { consumerHandler } from '../lambda-kit/consumer.ts';
import { directHandler } from '../lambda-kit/direct.ts';
import { serviceLambda } from '../lambda-kit/dispatch.ts';
import { httpHandler } from '../lambda-kit/http.ts';
import { inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { json, text } from '../lambda-kit/response.ts';
import { logger, metrics } from '../observability.ts';
import { getPlatformService } from '../registry/index.ts';
import {
  type kgDiagramQuerySchema,
  type kgHistoryQuerySchema,
  type kgNameParamsSchema,
  type kgPatternParamsSchema,
  type kgPatternQuerySchema,
  PUBLISH_RESOURCE_TYPE,
} from './contract.ts';
import { buildGraph, getServiceNode } from './graph.ts';
import type { VersionRecord, VersionSummary } from './history.ts';
import { DynamoGraphHistory } from './history-store.ts';
import { impact } from './impact.ts';
import { toMermaid } from './mermaid.ts';
import { allServices } from './services.ts';
import {
  type ApplyOutcome,
  DynamoPatternStore,
  type EntityEdgeChange,
  entityChangeOf,
  type PatternMember,
} from './store.ts';
import type { KnowledgeGraph } from './types.ts';

export { PUBLISH_RESOURCE_TYPE };

/** Physical id of that resource: constant, so an update never replaces (and deletes) it. */
export const PUBLISH_PHYSICAL_ID = 'tempora-knowledge-graph';

/** What the Lambda needs; {@link amadeusLambda} builds them from the environment. */
export interface AmadeusDeps {
  history: Pick<DynamoGraphHistory, 'latest' | 'append' | 'summaries'>;
  patterns: Pick<DynamoPatternStore, 'apply' | 'members'>;
  /** The graph of the code this Lambda runs (built once per cold start). */
  build: () => KnowledgeGraph;
  /** How long the latest published version is cached per container (ms, default 30 s). */
  cacheTtlMs?: number;
  clock?: () => number;
}

/**
 * The graph answers are served from: the latest published version (cached for
 * `cacheTtlMs`), or, before the first publication, the graph built from the code with
 * `version: 0`.
 */
export function graphSource(deps: AmadeusDeps): () => Promise<KnowledgeGraph> {
  const ttl = deps.cacheTtlMs ?? 30_000;
  const clock = deps.clock ?? Date.now;
  let cached: { graph: KnowledgeGraph; at: number } | undefined;
  let built: KnowledgeGraph | undefined;
  return async () => {
    if (cached && clock() - cached.at < ttl) return cached.graph;
    const latest = await deps.history.latest();
    if (!latest) {
      built ??= deps.build();
      return built; // not cached: the first publication should show up at once
    }
    cached = { graph: latest.graph, at: clock() };
    return latest.graph;
  };
}

/** Headers naming the graph version an answer comes from. */
const versionHeaders = (g: KnowledgeGraph): Record<string, string> => ({
  'x-kg-version': String(g.version),
  'x-kg-hash': g.hash,
});

type NameParams = z.output<typeof kgNameParamsSchema>;

/**
 * The `/api/kg` routes (keys exactly as the registry's amadeus entry declares them; the kit
 * parses their path and query from that declaration).
 */
export function amadeusRoutes(deps: AmadeusDeps, graph = graphSource(deps)): Routes {
  return {
    'GET /api/kg': {
      handler: async (req) => {
        const g = await graph();
        const etag = `"${g.hash}"`;
        const headers = { ...versionHeaders(g), etag };
        if (req.headers['if-none-match'] === etag) return { statusCode: 304, headers };
        return json(200, g, headers);
      },
    },
    'GET /api/kg/services/{name}': {
      handler: async (req) => {
        const g = await graph();
        return json(200, getServiceNode(g, inputOf<NameParams>(req).params.name), versionHeaders(g));
      },
    },
    'GET /api/kg/impact/{name}': {
      handler: async (req) => {
        const g = await graph();
        return json(200, impact(g, inputOf<NameParams>(req).params.name), versionHeaders(g));
      },
    },
    'GET /api/kg/diagram': {
      handler: async (req) => {
        const q = inputOf<unknown, z.output<typeof kgDiagramQuerySchema>>(req).query;
        const g = await graph();
        const diagram = toMermaid(g, {
          ...(q.focus === undefined ? {} : { focus: q.focus }),
          dependenciesOnly: q.deps_only === true,
          ...(q.direction === undefined ? {} : { direction: q.direction }),
        });
        return text(200, diagram, versionHeaders(g));
      },
    },
    'GET /api/kg/history': {
      handler: async (req) => {
        const q = inputOf<unknown, z.output<typeof kgHistoryQuerySchema>>(req).query;
        const items: VersionSummary[] = await deps.history.summaries(q.limit);
        return json(200, { items });
      },
    },
    'GET /api/kg/patterns/{pattern}': {
      handler: async (req) => {
        const { params, query } = inputOf<
          z.output<typeof kgPatternParamsSchema>,
          z.output<typeof kgPatternQuerySchema>
        >(req);
        const { pattern } = params;
        const page: { items: PatternMember[]; next_cursor: string | null } = await deps.patterns.members(
          pattern,
          query,
        );
        return json(200, { pattern, ...page });
      },
    },
  };
}

/** The Nexus consumer: every event that carries an entity's metadata updates that entity's edges. */
export async function onEnvelope(
  deps: Pick<AmadeusDeps, 'patterns'>,
  envelope: EventEnvelope,
): Promise<ApplyOutcome | undefined> {
  const change: EntityEdgeChange | undefined = entityChangeOf(envelope);
  if (!change) return undefined;
  const outcome = await deps.patterns.apply(change);
  if (outcome.put.length || outcome.removed.length)
    logger.info('pattern edges', {
      entity: `${change.type}#${change.id}`,
      version: change.version,
      put: outcome.put,
      removed: outcome.removed,
    });
  if (!outcome.applied) metrics.addMetric('StaleEntityEvent', 'Count', 1);
  return outcome;
}

/** Publish the graph of this code: version n+1 when its hash changed, nothing otherwise. */
export async function publish(
  deps: Pick<AmadeusDeps, 'history' | 'build'>,
): Promise<{ record: VersionRecord; created: boolean }> {
  const graph = deps.build();
  const out = await deps.history.append(graph);
  logger.info(out.created ? 'knowledge graph published' : 'knowledge graph unchanged', {
    version: out.record.version,
    hash: out.record.hash,
  });
  if (out.created) metrics.addMetric('KnowledgeGraphPublished', 'Count', 1);
  return out;
}

export const isCustomResourceEvent = (
  e: Record<string, unknown>,
): e is CloudFormationCustomResourceEvent & Record<string, unknown> =>
  typeof e.RequestType === 'string' &&
  typeof e.ResponseURL === 'string' &&
  typeof e.ResourceType === 'string';

/**
 * The publish-on-deploy custom resource. Create and Update publish (the resource's `hash`
 * property is the graph hash computed at synthesis, so CloudFormation updates it exactly when
 * the registry changed); Delete keeps the history. Always answers CloudFormation, never throws.
 */
export async function onCustomResource(
  deps: Pick<AmadeusDeps, 'history' | 'build'>,
  event: CloudFormationCustomResourceEvent,
  send: typeof respond = respond,
): Promise<void> {
  const physicalId = PUBLISH_PHYSICAL_ID;
  try {
    if (event.ResourceType !== PUBLISH_RESOURCE_TYPE)
      throw new Error(`Unknown resource type ${event.ResourceType}`);
    if (event.RequestType === 'Delete') {
      logger.info('knowledge graph resource deleted: history kept');
      await send(event, { ok: true, physicalId });
      return;
    }
    const expected = event.ResourceProperties.hash;
    const out = await publish(deps);
    if (typeof expected === 'string' && expected !== out.record.hash)
      logger.warn('published hash differs from the synthesized one', {
        expected,
        published: out.record.hash,
      });
    await send(event, {
      ok: true,
      physicalId,
      data: { Version: String(out.record.version), Hash: out.record.hash, Created: String(out.created) },
    });
  } catch (e) {
    logger.error('knowledge graph publication failed', { error: e as Error });
    await send(event, { ok: false, physicalId, reason: (e as Error).message });
  }
}

const publishCommand = z.strictObject({ kind: z.literal('amadeus.publish') });

/** The Lambda entry point over `deps`. */
export function amadeusLambda(deps: AmadeusDeps) {
  return serviceLambda({
    http: httpHandler(getPlatformService('amadeus').routes, amadeusRoutes(deps)),
    events: consumerHandler({ '*': async (e) => void (await onEnvelope(deps, e)) }),
    direct: directHandler(async (event: Record<string, unknown>) => {
      if (isCustomResourceEvent(event)) return onCustomResource(deps, event);
      publishCommand.parse(event);
      const { record, created } = await publish(deps);
      return { version: record.version, hash: record.hash, published_at: record.published_at, created };
    }),
  });
}

const graphEnv = defineEnv({ kgTable: V.kgTable, kgCacheTtlMs: V.kgCacheTtlMs });

/** Dependencies from the environment: `KG_TABLE` (set by infra/constructs/amadeus.ts). */
export function depsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  ddb: DynamoDBDocumentClient = documentClient(),
): AmadeusDeps {
  const { kgTable: table, kgCacheTtlMs: ttl } = graphEnv.parse(env);
  let built: KnowledgeGraph | undefined;
  return {
    history: new DynamoGraphHistory(ddb, table),
    patterns: new DynamoPatternStore(ddb, table),
    build: () => {
      built ??= buildGraph(allServices());
      return built;
    },
    ...(ttl === undefined ? {} : { cacheTtlMs: ttl }),
  };
}

let instance: ReturnType<typeof amadeusLambda> | undefined;

/** The Lambda handler (functions/amadeus): built on first use, so importing this module reads no environment. */
export const handler: ReturnType<typeof amadeusLambda> = (event, context) => {
  instance ??= amadeusLambda(depsFromEnv());
  return instance(event, context);
};
