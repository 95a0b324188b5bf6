/**
 * The migrations table (`_metadata_migrations`, partition `id`, sort `item`): one `migration`
 * row per migration (its request, status, counts, reports) and one `backup#<type>#<name>` row
 * per matched record (the record as it was before the migration changed it, and the version
 * the migration wrote). Events go to the Nexus outbox; a migration row is created in the same
 * transaction as its `records.migration.started` event, conditional on the id being new.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { applied, batchWriteAll, inList, queryAll } from '../aws/dynamodb.ts';
import { conflict } from '../errors.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { emit, outboxPut } from '../events/outbox.ts';
import type { MetadataRecord, MigrationRequest, RecordKey } from './contract.ts';

export type MigrationStatus = 'running' | 'completed' | 'failed' | 'rolling_back' | 'rolled_back';

export interface MigrationReportEntry {
  type: string;
  name: string;
  reason: string;
}

export interface MigrationRow {
  id: string;
  description?: string;
  filter: MigrationRequest['filter'];
  operations: MigrationRequest['operations'];
  status: MigrationStatus;
  created_by: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  counts: {
    matched: number;
    changed: number;
    unchanged: number;
    retried: number;
    conflicts: number;
    failed: number;
  };
  /** Records not changed because of a concurrent edit or a failure (first 100). */
  reported: MigrationReportEntry[];
  backup: { table: string; key: string };
  error?: string;
  rollback?: {
    requested_at: string;
    requested_by: string;
    force: boolean;
    finished_at?: string;
    restored: number;
    conflicts: number;
    reported: MigrationReportEntry[];
  };
  /** Claimed by the run (once); then by the rollback. */
  run_claimed_at?: string;
  rollback_claimed_at?: string;
}

export interface BackupRow {
  key: RecordKey;
  /** The record before the migration changed it. */
  record: MetadataRecord;
  /** The version the migration wrote (absent: the migration did not change it). */
  migrated_version?: number;
}

export const MAX_REPORTED = 100;
const STATUS_ITEM = 'migration';
const backupItem = (k: RecordKey) => `backup#${k.type}#${k.name}`;

export interface MigrationStore {
  readonly table: string;
  /** Create the row with its started event; 409 when the id was used. */
  create(row: MigrationRow, started: EventEnvelope): Promise<void>;
  get(id: string): Promise<MigrationRow | undefined>;
  /**
   * Set fields; with `cond`, only when the status is one of `cond.status` and the claim field
   * `cond.unsetField` is unset, or holds exactly `cond.orClaimIs` (else false).
   */
  update(id: string, fields: Partial<MigrationRow>, cond?: UpdateCondition): Promise<boolean>;
  putBackups(id: string, rows: readonly BackupRow[]): Promise<void>;
  backups(id: string): Promise<BackupRow[]>;
  emit(events: EventEnvelope[]): Promise<void>;
}

/** The condition of a {@link MigrationStore.update}. */
export interface UpdateCondition {
  status: readonly MigrationStatus[];
  unsetField?: 'run_claimed_at' | 'rollback_claimed_at';
  /** With `unsetField`: the claim may also hold exactly this value (taking over a dead run's claim). */
  orClaimIs?: string;
}

export class DynamoMigrationStore implements MigrationStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    readonly table: string,
    private readonly outbox: string,
  ) {}

  async create(row: MigrationRow, started: EventEnvelope): Promise<void> {
    const created = await applied(
      this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...row, item: STATUS_ITEM },
                ConditionExpression: 'attribute_not_exists(id)',
              },
            },
            outboxPut(this.outbox, started),
          ],
        }),
      ),
    );
    if (!created)
      throw conflict(`migration ${row.id} already exists: a migration id is used once`, { id: row.id });
  }

  async get(id: string): Promise<MigrationRow | undefined> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { id, item: STATUS_ITEM }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { item: _item, ...row } = out.Item;
    return row as MigrationRow;
  }

  async update(id: string, fields: Partial<MigrationRow>, cond?: UpdateCondition): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(fields).map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:v${i}`] = v;
      return `#f${i} = :v${i}`;
    });
    const conditions: string[] = ['attribute_exists(id)'];
    if (cond) {
      names['#status'] = 'status';
      conditions.push(inList('#status', cond.status, 's', values));
      if (cond.unsetField) {
        names['#claim'] = cond.unsetField;
        if (cond.orClaimIs === undefined) conditions.push('attribute_not_exists(#claim)');
        else {
          values[':claim'] = cond.orClaimIs;
          conditions.push('(attribute_not_exists(#claim) OR #claim = :claim)');
        }
      }
    }
    return applied(
      this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id, item: STATUS_ITEM },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async putBackups(id: string, rows: readonly BackupRow[]): Promise<void> {
    const left = await batchWriteAll(
      this.ddb,
      this.table,
      rows.map((r) => ({
        PutRequest: {
          Item: {
            id,
            item: backupItem(r.key),
            key: r.key,
            record: r.record,
            ...(r.migrated_version === undefined ? {} : { migrated_version: r.migrated_version }),
          },
        },
      })),
    );
    if (left.length > 0)
      throw new Error(`backup of migration ${id}: ${left.length} items still unprocessed after retries`);
  }

  async backups(id: string): Promise<BackupRow[]> {
    const items = await queryAll(this.ddb, {
      TableName: this.table,
      KeyConditionExpression: 'id = :id AND begins_with(#item, :b)',
      ExpressionAttributeNames: { '#item': 'item' },
      ExpressionAttributeValues: { ':id': id, ':b': 'backup#' },
      ConsistentRead: true,
    });
    return items.map((i) => ({
      key: i.key as RecordKey,
      record: i.record as MetadataRecord,
      ...(i.migrated_version === undefined ? {} : { migrated_version: Number(i.migrated_version) }),
    }));
  }

  async emit(events: EventEnvelope[]): Promise<void> {
    await emit(this.ddb, this.outbox, events);
  }
}
