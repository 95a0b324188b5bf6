/** Migration rows of the shared test kit (lib/records/migration-store.ts). */
import type { MigrationRow } from '../../lib/records/migration-store.ts';

/** A running migration `mig-1` of the `view` records, changed by `over`. */
export const migrationRow = (over: Partial<MigrationRow> = {}): MigrationRow => ({
  id: 'mig-1',
  filter: { type: 'view' },
  operations: [],
  status: 'running',
  created_by: 'ops',
  created_at: '2026-06-01T12:00:00.000Z',
  counts: { matched: 0, changed: 0, unchanged: 0, retried: 0, conflicts: 0, failed: 0 },
  reported: [],
  backup: { table: 'migrations', key: 'id = mig-1' },
  ...over,
});
