/** The nexus service: `POST /api/events` (./events-route.ts). The relay itself is core: lib/events/publisher.ts. */
export { eventRoutes } from './events-route.ts';
