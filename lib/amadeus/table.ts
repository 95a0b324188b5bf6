/**
 * Amadeus's table (SDK-free, so infra can import it): the published versions of the knowledge
 * graph (graph-versions.ts) and the entities' pattern edges (`metadata.knowledge_graph`,
 * pattern-store.ts), in one table keyed by `pk` (S) and `sk` (S) with the TTL attribute
 * `expires_at`:
 *
 * | Item | pk | sk | What |
 * | --- | --- | --- | --- |
 * | version | `kg` | `0000000007` (10 digits) | one published version: `version`, `hash`, `published_at`, `graph` and `changes_from_previous` (both JSON text, so key order survives) |
 * | pattern member | `pattern#<pattern>` | `<entity_type>#<entity_id>` | an entity whose `knowledge_graph.pattern` is `<pattern>`, with its `dependencies` |
 * | entity edges | `entity#<entity_type>#<entity_id>` | `edges` | the entity's current edges and the `version` they come from (`deleted` once it is gone) |

 */
import { MAX_PATTERN_BYTES, MAX_PATTERN_PAGE } from '../registry/schemas-reads.ts';

/** Resource type of the publish-on-deploy custom resource (infra creates it, the Lambda answers it). */
export const PUBLISH_RESOURCE_TYPE = 'Custom::TemporaKnowledgeGraph';

/** Partition of the version items. */
export const KG_PK = 'kg';
/** Sort key of version `n`: zero-padded, so string order is version order. */
export const versionSk = (version: number): string => String(version).padStart(10, '0');
export const patternPk = (pattern: string): string => `pattern#${pattern}`;
export const memberSk = (type: string, id: string): string => `${type}#${id}`;
export const entityPk = (type: string, id: string): string => `entity#${type}#${id}`;
export const ENTITY_SK = 'edges';

/** How long an entity's edges item without edges is kept (deleted, or no knowledge_graph). */
export const EMPTY_EDGES_TTL_SECONDS = 30 * 24 * 3600;
/** Default and largest page of pattern members; largest pattern name (declared with the route). */
export const DEFAULT_PATTERN_PAGE = MAX_PATTERN_PAGE;
export { MAX_PATTERN_BYTES, MAX_PATTERN_PAGE };

export interface StoreOptions {
  /** Clock (publication times, TTLs). Default: now. */
  now?: () => Date;
  /** Attempts when a conditional write loses a race (default 5). */
  maxAttempts?: number;
}
