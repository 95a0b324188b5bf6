/**
 * The records service: records of (type, name) with canonical metadata, queries,
 * on_conflict saves with optimistic locking, extends/merge resolution, bulk writes,
 * export/import. See docs/records.md.
 *
 * This entry point stays free of runtime dependencies so that infra can import the routes and
 * the table design at synth time; the Lambda handler is `recordsHandler` in ./handler.ts.
 */

export type { MetadataRecord, RecordKey } from '../registry/records.ts';
export { summarize } from './bulk.ts';
export {
  BY_NAMESPACE_INDEX,
  BY_STATE_INDEX,
  type IndexDesign,
  type KeyAttribute,
  RECORDS_ROUTES,
  RECORDS_TABLE_DESIGN,
  type TableDesign,
  TYPE_NAME_ATTRIBUTE,
} from './design.ts';
