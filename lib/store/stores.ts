/**
 * Entity stores of several services in one Lambda (a platform consumer writing back to
 * entities it does not own), by entity type, from infra's `ENTITY_TABLES` map
 * `{ <service name>: <physical table name> }`. Services as declared (lib/registry/declared.ts):
 * a store needs a service's table, fields, access and verbs, not its routes.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { RuntimeConfig } from '../config.ts';
import { declared } from '../registry/declared.ts';
import { EntityStore, type PolicySource } from './entity-store.ts';

export function entityStores(
  tables: unknown,
  cfg: Pick<RuntimeConfig, 'masterTable' | 'outboxTable' | 'indexTable' | 'environment'>,
  ddb: DynamoDBDocumentClient,
  policies: PolicySource,
): Map<string, EntityStore> {
  const byService = z.record(z.string(), z.string()).parse(tables);
  return new Map(
    declared
      .filter((s) => s.crud !== false && byService[s.name])
      .map((s) => [
        s.entity,
        new EntityStore(
          s,
          {
            entity: byService[s.name] ?? '',
            master: cfg.masterTable,
            outbox: cfg.outboxTable,
            index: cfg.indexTable,
          },
          cfg.environment,
          ddb,
          policies,
        ),
      ]),
  );
}
