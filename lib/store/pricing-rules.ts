/**
 * Reads the active `pricing_rule` records of some skus from the records table (the
 * records service's table, partition key `type`): one Query of the `pricing_rule` partition,
 * filtered by sku and state, paged to the end. Read-only; a function using it is granted
 * `dynamodb:Query` on that table only (registry need `pricing-rules`).
 *
 * In the store layer (core), not in a service: commerce (orders priced at creation) and
 * localization (`GET /api/localization/prices`) both read the rules, services never import each
 * other, and what it reads is the records table by its documented key design (a partition per
 * record type). The rule's shape and its resolution are pure, in commerce's contract.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chunk } from '../aws/batch.ts';
import { documentClient } from '../aws/clients.ts';
import { IN_LIMIT, inList, queryAll } from '../aws/dynamodb.ts';
import { PRICING_RULE_TYPE, pricingRuleSchema, type StoredRule } from '../commerce/contract.ts';
import { pricingEnv } from '../config/functions.ts';

export class PricingRuleReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The active, valid pricing rules of `skus` (a rule failing the rule schema is skipped). */
  async rulesFor(skus: readonly string[]): Promise<StoredRule[]> {
    const wanted = [...new Set(skus)];
    const out: StoredRule[] = [];
    for (const part of chunk(wanted, IN_LIMIT)) {
      const values: Record<string, unknown> = { ':t': PRICING_RULE_TYPE, ':active': 'active' };
      const skuIn = inList('#m.#c.#sku', part, 's', values);
      const items = await queryAll(this.client, {
        TableName: this.table,
        KeyConditionExpression: '#t = :t',
        FilterExpression: `#st = :active AND ${skuIn}`,
        ExpressionAttributeNames: {
          '#t': 'type',
          '#st': 'state',
          '#m': 'metadata',
          '#c': 'custom_rules',
          '#sku': 'sku',
        },
        ExpressionAttributeValues: values,
        ConsistentRead: true,
      });
      for (const item of items) {
        const rule = pricingRuleSchema.safeParse(
          (item.metadata as { custom_rules?: unknown } | undefined)?.custom_rules,
        );
        if (rule.success && part.includes(rule.data.sku))
          out.push({ name: String(item.name), version: Number(item.version), rule: rule.data });
      }
    }
    return out;
  }
}

let reader: PricingRuleReader | undefined;
/** The reader of this function's records table (`RECORDS_TABLE`), built on first use. */
export function pricingRules(): PricingRuleReader {
  reader ??= new PricingRuleReader(documentClient(), pricingEnv.current().recordsTable);
  return reader;
}
