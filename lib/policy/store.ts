/**
 * The central policy matrix in DynamoDB (`_policies`: partition `environment`, sort
 * `role#category`), read by every Lambda through a per-process cache with a short TTL, so a
 * change through `PUT /api/policies/...` applies everywhere within the TTL, without redeploy.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { applied, queryAll } from '../aws/dynamodb.ts';
import type { Role } from '../registry/types.ts';
import { type Policy, type PolicyKey, type ResolvedPolicy, resolvePolicy } from './matrix.ts';
import { policyKeySchema, policySchema } from './schema.ts';

export type PolicyRow = PolicyKey & Policy & { updated_at?: string; updated_by?: string };

/** Default cache TTL; override with env `POLICY_CACHE_TTL_MS`. */
export const DEFAULT_POLICY_TTL_MS = 5_000;

export class PolicyStore {
  private cache = new Map<string, { at: number; rows: PolicyRow[] }>();

  constructor(
    private readonly table: string,
    private readonly ddb: DynamoDBDocumentClient,
    private readonly ttlMs = DEFAULT_POLICY_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every row of an environment (cached for the TTL). */
  async rows(environment: string): Promise<PolicyRow[]> {
    const hit = this.cache.get(environment);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.rows;
    const items = await queryAll(this.ddb, {
      TableName: this.table,
      KeyConditionExpression: 'environment = :e',
      ExpressionAttributeValues: { ':e': environment },
    });
    const rows = items.flatMap((item) => toRow(item) ?? []);
    this.cache.set(environment, { at: this.now(), rows });
    return rows;
  }

  async resolve(key: PolicyKey): Promise<ResolvedPolicy> {
    return resolvePolicy(key, await this.rows(key.environment));
  }

  /** Every row of every given environment. */
  async list(environments: readonly string[]): Promise<PolicyRow[]> {
    const all = await Promise.all(environments.map((e) => this.rowsFresh(e)));
    return all.flat();
  }

  async put(row: PolicyRow): Promise<void> {
    await this.ddb.send(new PutCommand({ TableName: this.table, Item: toItem(row) }));
    this.cache.delete(row.environment);
  }

  /** Write `row` unless its key already exists (seeding never overwrites a runtime change). */
  async putIfAbsent(row: PolicyRow): Promise<boolean> {
    const written = await applied(
      this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(row),
          ConditionExpression: 'attribute_not_exists(environment)',
        }),
      ),
    );
    if (written) this.cache.delete(row.environment);
    return written;
  }

  async remove(key: PolicyKey): Promise<void> {
    await this.ddb.send(
      new DeleteCommand({ TableName: this.table, Key: { environment: key.environment, key: sortKey(key) } }),
    );
    this.cache.delete(key.environment);
  }

  private async rowsFresh(environment: string): Promise<PolicyRow[]> {
    this.cache.delete(environment);
    return this.rows(environment);
  }
}

const sortKey = (k: { role: Role; category: string }) => `${k.role}#${k.category}`;

function toItem(row: PolicyRow): Record<string, unknown> {
  return { ...row, key: sortKey(row) };
}

const rowSchema = z.extend(z.extend(policyKeySchema, policySchema.shape), {
  updated_at: z.optional(z.string()),
  updated_by: z.optional(z.string()),
});

/** A stored row, or undefined if it does not parse (a bad row must not break every request). */
function toRow(item: Record<string, unknown>): PolicyRow | undefined {
  const { key: _key, ...rest } = item;
  const r = rowSchema.safeParse(rest);
  return r.success ? r.data : undefined;
}
