/**
 * Amadeus: the knowledge graph of the platform, generated from the service registry.
 * Pure TypeScript (no AWS calls): build, impact analysis, consistency, Mermaid, versioning,
 * pattern edges. See docs/amadeus.md.
 */
export {
  CAMPAIGN_DOC_PARTS,
  CAMPAIGN_DOC_PATTERN,
  CAMPAIGN_DOC_RE,
  type CampaignDocInput,
  type CampaignPlan,
  planCampaign,
  readCampaignDoc,
  renderCampaignDoc,
  slugOf,
} from './campaign-doc.ts';
export {
  type ConsistencyOptions,
  type ConsistencyReport,
  checkConsistency,
  checkRegistry,
  DECLARED_CYCLES,
  type DeclaredCycle,
  declarationOf,
  type Problem,
  type ProblemKind,
} from './consistency.ts';
export {
  type Adjacency,
  type CycleList,
  canonicalCycle,
  cyclesThrough,
  elementaryCycles,
  formatCycle,
  MAX_CYCLES,
  stronglyConnectedComponents,
} from './cycles.ts';
export {
  type BuildGraphOptions,
  buildGraph,
  getServiceNode,
  graphHash,
  serviceNames,
  unknownService,
} from './graph.ts';
export {
  DEFAULT_HISTORY_LIMIT,
  diffGraphs,
  diffService,
  type GraphDiff,
  type GraphHistory,
  historyLimit,
  isEmptyDiff,
  nextVersionRecord,
  type ServiceChanges,
  type SetChange,
  summarize,
  type ValueChange,
  type VersionRecord,
  type VersionSummary,
} from './history.ts';
export { dependencyAdjacency, findCycles, type ImpactOptions, type ImpactReport, impact } from './impact.ts';
export { type MermaidOptions, toMermaid } from './mermaid.ts';
export {
  diffPatternEdges,
  entitiesUsingPattern,
  type PatternEdge,
  type PatternEdgeKind,
  type PatternSource,
  patternEdgeKey,
  patternEdges,
} from './patterns.ts';
export { allServices, emitsOf, externalNames, PLATFORM_SERVICE_NAMES, routeKeysOf } from './services.ts';
export * from './types.ts';
