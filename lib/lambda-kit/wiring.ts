/**
 * The stores a Lambda uses, wired once per process and only when first needed: one policy
 * cache (PolicyStore) shared by every entity store and by the policy routes of the Lambda.
 */
import { documentClient } from '../aws/clients.ts';
import { config } from '../config.ts';
import { PolicyStore } from '../policy/store.ts';
import type { ServiceDefinition } from '../registry/types.ts';
import { EntityStore } from '../store/entity-store.ts';
import { entityStores } from '../store/stores.ts';
import { once } from './lazy.ts';

/** The process's one policy cache. */
export const policyStore = once(() => {
  const cfg = config();
  return new PolicyStore(cfg.policiesTable, documentClient(), cfg.policyCacheTtlMs);
});

const resolvePolicy = (key: Parameters<PolicyStore['resolve']>[0]) => policyStore().resolve(key);

const serviceStores = new Map<string, EntityStore>();

/** The entity store of the service this Lambda runs (its own table, `ENTITY_TABLE`). */
export function serviceStore(service: ServiceDefinition): EntityStore {
  let store = serviceStores.get(service.name);
  if (!store) {
    const cfg = config();
    store = new EntityStore(
      service,
      { entity: cfg.entityTable, master: cfg.masterTable, outbox: cfg.outboxTable, index: cfg.indexTable },
      cfg.environment,
      documentClient(),
      resolvePolicy,
    );
    serviceStores.set(service.name, store);
  }
  return store;
}

/**
 * Entity stores of other services, by entity type, from infra's `ENTITY_TABLES` JSON map
 * `{ <service name>: <physical table name> }` (a platform consumer writing back to entities).
 */
export function otherStores(entityTables: Record<string, string>): Map<string, EntityStore> {
  return entityStores(entityTables, config(), documentClient(), resolvePolicy);
}
