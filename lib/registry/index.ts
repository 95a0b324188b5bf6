/** The service registry (docs/architecture.md): re-exports only, each from the file that does the job. */
export { emittedEvents, getPlatformService, getService, registry } from './catalog.ts';
export { collectionRoutes, healthPath, serviceRoutes } from './collection-routes.ts';
export { SEARCH_FIELDS, SEARCHABLE_TYPES } from './declared.ts';
export {
  allRoutes,
  CONSOLE_ROUTES,
  catchAllRoute,
  gatewayRoutes,
  HEALTH_ROUTES,
  type HttpFunctionRoutes,
  httpFunctions,
  openApiRoute,
  platformHealthRoute,
} from './gateway.ts';
export { type PlatformServiceDefinition, platform } from './platform.ts';
export { routeKey } from './route-key.ts';
export * from './schemas.ts';
export * from './search.ts';
export { stateSchema } from './services.ts';
export type * from './types.ts';
export { OPS } from './types.ts';
