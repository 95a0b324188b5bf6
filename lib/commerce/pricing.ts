/**
 * Orders priced by location (issue 15): an order item without `unit_price` gets the effective
 * price of its sku in the order's currency for the buyer's `country` (lib/commerce/contract.ts:
 * country rule, else region, else global), and `priced_by` names the rule record that priced
 * it. `priced_by` is the service's to write: a client sending it gets a 400.
 */

import { countrySchema, currencySchema, resolvePrice, skuSchema } from '../commerce/contract.ts';
import { type FieldIssue, validationError } from '../errors.ts';
import type { PricingRuleReader } from '../store/pricing-rules.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `body` with its unpriced items priced. `order` supplies `currency` and `country` when the
 * body does not (a PATCH of an existing order). Anything malformed is left for the entity
 * store's validation to report; a sku no rule prices is a 400 naming `items[i].unit_price`.
 */
export async function priceOrderItems(
  body: unknown,
  rules: () => PricingRuleReader,
  order: Json = {},
): Promise<unknown> {
  if (!isObject(body) || !Array.isArray(body.items)) return body;
  const items: unknown[] = body.items;
  const spoofed: FieldIssue[] = items.flatMap((it, i) =>
    isObject(it) && it.priced_by !== undefined
      ? [{ path: `items[${i}].priced_by`, message: 'is set by the service when it prices the item; omit it' }]
      : [],
  );
  if (spoofed.length) throw validationError(spoofed);
  const unpriced = items.flatMap((it, i) =>
    isObject(it) && it.unit_price === undefined && skuSchema.safeParse(it.sku).success ? [i] : [],
  );
  if (unpriced.length === 0) return body;
  const currency = currencySchema.safeParse(body.currency ?? order.currency);
  const countryRaw = body.country ?? order.country;
  const country = countryRaw === undefined ? undefined : countrySchema.safeParse(countryRaw);
  // Let the store name a bad currency or country (every issue at once).
  if (!currency.success || (country && !country.success)) return body;
  const skus = unpriced.map((i) => String((items[i] as Json).sku).trim());
  const found = await rules().rulesFor(skus);
  const issues: FieldIssue[] = [];
  const priced = items.map((it, i) => {
    if (!unpriced.includes(i)) return it;
    const item = it as Json;
    const sku = String(item.sku).trim();
    const price = resolvePrice(found, { sku, currency: currency.data, country: country?.data });
    if (!price) {
      issues.push({
        path: `items[${i}].unit_price`,
        message: `is required: no pricing_rule prices sku ${sku} in ${currency.data}${country ? ` for ${country.data}` : ' (no country given: only a global rule applies)'}`,
      });
      return it;
    }
    return {
      ...item,
      unit_price: price.amount,
      priced_by: { rule: price.rule.ref, version: price.rule.version, level: price.level },
    };
  });
  if (issues.length) throw validationError(issues);
  return { ...body, items: priced };
}
