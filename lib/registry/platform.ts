/**
 * The platform services: not entity collections, but Lambdas every domain service relies on.
 * Declared here so Amadeus sees them and infra builds their routes and rules from one place.
 */
import type { RouteDefinition } from './types.ts';

/** API Gateway route keys served by the metadata datasource Lambda. */
export const DATASOURCE_ROUTES: readonly string[] = [
  'GET /api/metadata',
  'GET /api/metadata/export',
  'POST /api/metadata/import',
  'POST /api/metadata/bulk',
  'GET /api/metadata/{type}/{name}',
  'PUT /api/metadata/{type}/{name}',
  'DELETE /api/metadata/{type}/{name}',
  'GET /api/metadata/{type}/{name}/effective',
];

/** `GET /api/x` → a RouteDefinition. */
const route = (key: string): RouteDefinition => {
  const [method, path] = key.split(' ') as [RouteDefinition['method'], string];
  return { method, path };
};

export interface PlatformServiceDefinition {
  name: string;
  description: string;
  /** Lambda folder under functions/. */
  folder: string;
  routes: readonly RouteDefinition[];
  /** Event types consumed from the bus (`*`: every Tempora event). */
  consumes: readonly string[];
  emits: readonly string[];
  capabilities: readonly string[];
  dependencies: readonly string[];
  integrationPoints: readonly string[];
}

const DOMAIN = [
  'user',
  'notification',
  'campaign',
  'referral',
  'security',
  'content',
  'commerce',
  'localization',
  'search',
  'admin',
  'analytics',
  'moderation',
  'talent',
];

export const nexus: PlatformServiceDefinition = {
  name: 'nexus',
  description:
    'The event bus: outbox relay to EventBridge, routing rules from the registry, POST /api/events.',
  folder: 'nexus-publisher',
  routes: [{ method: 'POST', path: '/api/events' }],
  consumes: [],
  emits: [],
  capabilities: ['orchestration', 'patterns', 'event routing', 'event archive'],
  dependencies: DOMAIN,
  integrationPoints: ['amadeus'],
};

export const scheduler: PlatformServiceDefinition = {
  name: 'scheduler',
  description: 'Optimistic scheduling: future intents as one-time schedules, cancelled by events, run once.',
  folder: 'scheduler',
  routes: [
    { method: 'POST', path: '/api/scheduler/intents' },
    { method: 'GET', path: '/api/scheduler/intents' },
    { method: 'DELETE', path: '/api/scheduler/intents/{id}' },
    { method: 'GET', path: '/api/scheduler/health', public: true },
  ],
  consumes: ['*'],
  emits: ['scheduler.cancelled', 'scheduler.executed', 'scheduler.failed', 'pattern.run'],
  capabilities: ['future intents', 'cancellation', 'exactly-once execution', 'retention'],
  dependencies: ['nexus'],
  integrationPoints: ['nexus'],
};

export const metadata: PlatformServiceDefinition = {
  name: 'metadata',
  description: 'The metadata datasource protocol: typed records, queries, bulk, export/import, extends.',
  folder: 'metadata',
  routes: DATASOURCE_ROUTES.map(route),
  consumes: [],
  emits: [],
  capabilities: ['metadata records', 'bulk operations', 'export/import', 'inheritance'],
  dependencies: [],
  integrationPoints: ['nexus'],
};

export const broadcast: PlatformServiceDefinition = {
  name: 'broadcast',
  description:
    'Live campaigns: WebSocket connections, a Step Functions ticker per broadcasting campaign, fan-out of campaign state frames.',
  folder: 'broadcast',
  routes: [
    { method: 'POST', path: '/api/campaigns/{id}/scores' },
    { method: 'GET', path: '/api/broadcast/health', public: true },
  ],
  // pattern.run: the scheduler's `broadcast.start` intent, set ahead of a future start_time.
  consumes: ['campaign.created', 'campaign.updated', 'campaign.deleted', 'pattern.run'],
  emits: ['broadcast.started', 'broadcast.stopped', 'campaign.score', 'scheduler.schedule'],
  capabilities: ['websocket connections', 'real-time broadcast', 'leaderboards', 'frame dropping'],
  dependencies: ['campaign', 'nexus'],
  integrationPoints: ['campaign'],
};

export const amadeus: PlatformServiceDefinition = {
  name: 'amadeus',
  description:
    'The knowledge graph of services, capabilities and dependencies: impact analysis, diagrams, history.',
  folder: 'amadeus',
  routes: [
    { method: 'GET', path: '/api/kg' },
    { method: 'GET', path: '/api/kg/services/{name}' },
    { method: 'GET', path: '/api/kg/impact/{name}' },
    { method: 'GET', path: '/api/kg/diagram' },
    { method: 'GET', path: '/api/kg/history' },
    { method: 'GET', path: '/api/kg/patterns/{pattern}' },
  ],
  consumes: ['*'],
  emits: [],
  capabilities: ['knowledge graph', 'impact analysis', 'diagrams', 'versioning'],
  dependencies: [],
  integrationPoints: ['nexus'],
};

export const platform: readonly PlatformServiceDefinition[] = [
  nexus,
  scheduler,
  metadata,
  broadcast,
  amadeus,
];
