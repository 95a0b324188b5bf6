import { records } from '../records/contract.ts';
import { DOMAIN_NAMES } from './domain.ts';
import { broadcast } from './platform-broadcast.ts';
import { converse } from './platform-converse.ts';
import { scheduler } from './platform-scheduler.ts';
import {
  envelopeResponseSchema,
  impactReportSchema,
  kgHistorySchema,
  kgPatternPageSchema,
  kgServiceSchema,
  knowledgeGraphSchema,
  mermaidSchema,
} from './responses.ts';
import { eventBodySchema } from './schemas.ts';
import {
  kgDiagramQuerySchema,
  kgHistoryQuerySchema,
  kgNameParamsSchema,
  kgPatternParamsSchema,
  kgPatternQuerySchema,
} from './schemas-reads.ts';
import { ALL, OPS, type PlatformServiceDefinition } from './types.ts';

export type { PlatformServiceDefinition };
export { broadcast, converse, records, scheduler };

export const nexus: PlatformServiceDefinition = {
  name: 'nexus',
  description:
    'The event bus: outbox relay to EventBridge, routing rules from the registry, POST /api/events.',
  folder: 'nexus-publisher',
  routes: [
    {
      method: 'POST',
      path: '/api/events',
      summary: 'Put an event on the Nexus bus (through the outbox).',
      rule: 'nexus.events.put',
      idempotent: true,
      roles: OPS,
      body: eventBodySchema,
      status: 202,
      response: envelopeResponseSchema,
      example: {
        type: 'billing.invoice_paid',
        service: 'billing-sync',
        entity: { type: 'invoice', id: 'inv_1042' },
        payload: { amount: 49.5, currency: 'EUR' },
      },
    },
  ],
  consumes: [],
  emits: [],
  capabilities: ['orchestration', 'patterns', 'event routing', 'event archive'],
  // Every domain service publishes through the outbox this relays (derived from lib/registry/domain.ts).
  dependencies: DOMAIN_NAMES,
  integrationPoints: ['amadeus'],
};

export const amadeus: PlatformServiceDefinition = {
  name: 'amadeus',
  description:
    'The knowledge graph of services, capabilities and dependencies: impact analysis, diagrams, history.',
  folder: 'amadeus',
  routes: [
    {
      method: 'GET',
      path: '/api/kg',
      summary: 'The knowledge graph of services (ETag, If-None-Match).',
      roles: ALL,
      response: knowledgeGraphSchema,
    },
    {
      method: 'GET',
      path: '/api/kg/services/{name}',
      summary: 'One service of the graph.',
      roles: ALL,
      params: kgNameParamsSchema,
      response: kgServiceSchema,
    },
    {
      method: 'GET',
      path: '/api/kg/impact/{name}',
      summary: 'What a change to a service impacts.',
      roles: ALL,
      params: kgNameParamsSchema,
      response: impactReportSchema,
    },
    {
      method: 'GET',
      path: '/api/kg/diagram',
      summary: 'A Mermaid diagram of the graph (focus, deps_only, direction).',
      roles: ALL,
      query: kgDiagramQuerySchema,
      mediaType: 'text/plain',
      response: mermaidSchema,
    },
    {
      method: 'GET',
      path: '/api/kg/history',
      summary: 'Versions of the graph, newest first.',
      roles: ALL,
      query: kgHistoryQuerySchema,
      response: kgHistorySchema,
    },
    {
      method: 'GET',
      path: '/api/kg/patterns/{pattern}',
      summary: 'Entities in a pattern (cursor pagination).',
      roles: ALL,
      params: kgPatternParamsSchema,
      query: kgPatternQuerySchema,
      response: kgPatternPageSchema,
    },
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
  records,
  broadcast,
  amadeus,
  converse,
];
