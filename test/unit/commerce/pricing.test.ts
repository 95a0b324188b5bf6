/** Location-based pricing: resolution order, the region list, rule validation, order pricing. */
import { describe, expect, it } from 'vitest';
import {
  pricingRuleIssues,
  REGIONS,
  regionOf,
  resolvePrice,
  type StoredRule,
} from '../../../lib/commerce/contract.ts';
import { priceOrderItems } from '../../../lib/commerce/pricing.ts';
import { isTemporaError } from '../../../lib/errors.ts';
import type { PricingRuleReader } from '../../../lib/store/pricing-rules.ts';

const rules: StoredRule[] = [
  { name: 'tee-global', version: 1, rule: { sku: 'TEE', currency: 'EUR', amount: 10 } },
  { name: 'tee-eu', version: 2, rule: { sku: 'TEE', currency: 'EUR', amount: 9, region: 'eu' } },
  { name: 'tee-fr', version: 3, rule: { sku: 'TEE', currency: 'EUR', amount: 8, country: 'FR' } },
  { name: 'tee-usd', version: 1, rule: { sku: 'TEE', currency: 'USD', amount: 12, region: 'north_america' } },
];

describe('resolvePrice', () => {
  it('prefers the country rule, then the region rule, then the global rule', () => {
    expect(resolvePrice(rules, { sku: 'TEE', currency: 'EUR', country: 'FR' })).toMatchObject({
      amount: 8,
      level: 'country',
      rule: { ref: 'pricing_rule/tee-fr', version: 3 },
    });
    expect(resolvePrice(rules, { sku: 'TEE', currency: 'EUR', country: 'DE' })).toMatchObject({
      amount: 9,
      level: 'region',
      region: 'eu',
    });
    expect(resolvePrice(rules, { sku: 'TEE', currency: 'EUR', country: 'JP' })).toMatchObject({
      amount: 10,
      level: 'global',
    });
    expect(resolvePrice(rules, { sku: 'TEE', currency: 'EUR' })?.level).toBe('global');
  });

  it('matches sku and currency exactly; nothing applies → undefined', () => {
    expect(resolvePrice(rules, { sku: 'TEE', currency: 'USD', country: 'FR' })).toBeUndefined();
    expect(resolvePrice(rules, { sku: 'TEE', currency: 'USD', country: 'CA' })?.amount).toBe(12);
    expect(resolvePrice(rules, { sku: 'MUG', currency: 'EUR', country: 'FR' })).toBeUndefined();
  });

  it('breaks a tie at one level by record name', () => {
    const tie: StoredRule[] = [
      { name: 'b', version: 1, rule: { sku: 'X', currency: 'EUR', amount: 2 } },
      { name: 'a', version: 1, rule: { sku: 'X', currency: 'EUR', amount: 1 } },
    ];
    expect(resolvePrice(tie, { sku: 'X', currency: 'EUR' })?.rule.ref).toBe('pricing_rule/a');
  });

  it('regions are disjoint lists of alpha-2 codes', () => {
    const all = Object.values(REGIONS).flat();
    expect(new Set(all).size).toBe(all.length);
    for (const c of all) expect(c).toMatch(/^[A-Z]{2}$/);
    expect(regionOf('DE')).toBe('eu');
    expect(regionOf('AQ')).toBeUndefined();
  });
});

describe('pricing_rule validation', () => {
  it('names every bad field of custom_rules', () => {
    expect(pricingRuleIssues({ custom_rules: { sku: 'TEE', currency: 'EUR', amount: 1 } })).toEqual([]);
    const paths = pricingRuleIssues({
      custom_rules: { sku: '', currency: 'eur', amount: -1, region: 'mars' },
    }).map((i) => i.path);
    expect(paths.sort()).toEqual([
      'metadata.custom_rules.amount',
      'metadata.custom_rules.currency',
      'metadata.custom_rules.region',
      'metadata.custom_rules.sku',
    ]);
    expect(
      pricingRuleIssues({
        custom_rules: { sku: 'T', currency: 'EUR', amount: 1, country: 'FR', region: 'eu' },
      }),
    ).toEqual([{ path: 'metadata.custom_rules.region', message: 'give country or region, not both' }]);
    expect(pricingRuleIssues({})[0]?.path).toMatch(/^metadata\.custom_rules\./);
  });
});

describe('priceOrderItems', () => {
  const reader = () => ({ rulesFor: async () => rules }) as unknown as PricingRuleReader;
  const errorPaths = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      if (isTemporaError(e))
        return (e.details as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
      throw e;
    }
    throw new Error('expected a 400');
  };

  it('prices items without unit_price for the order country and records the rule', async () => {
    const body = {
      customer_id: 'u',
      currency: 'EUR',
      country: 'DE',
      items: [
        { sku: 'TEE', quantity: 1 },
        { sku: 'MUG', quantity: 1, unit_price: 3 },
      ],
    };
    expect(await priceOrderItems(body, reader)).toEqual({
      ...body,
      items: [
        {
          sku: 'TEE',
          quantity: 1,
          unit_price: 9,
          priced_by: { rule: 'pricing_rule/tee-eu', version: 2, level: 'region' },
        },
        { sku: 'MUG', quantity: 1, unit_price: 3 },
      ],
    });
  });

  it('takes currency and country from the stored order on a patch', async () => {
    const out = (await priceOrderItems({ items: [{ sku: 'TEE', quantity: 1 }] }, reader, {
      currency: 'EUR',
      country: 'FR',
    })) as { items: Array<{ unit_price: number }> };
    expect(out.items[0]?.unit_price).toBe(8);
  });

  it('400 naming the item when nothing prices it, or when the client sets priced_by', async () => {
    expect(
      await errorPaths(priceOrderItems({ currency: 'EUR', items: [{ sku: 'MUG', quantity: 1 }] }, reader)),
    ).toEqual(['items[0].unit_price']);
    expect(
      await errorPaths(
        priceOrderItems(
          { currency: 'EUR', items: [{ sku: 'TEE', quantity: 1, unit_price: 1, priced_by: { rule: 'x' } }] },
          reader,
        ),
      ),
    ).toEqual(['items[0].priced_by']);
  });

  it('leaves malformed bodies to the store (it names every issue at once)', async () => {
    const bad = { currency: 'euro', items: [{ sku: 'TEE', quantity: 1 }] };
    expect(await priceOrderItems(bad, reader)).toBe(bad);
    expect(await priceOrderItems('nope', reader)).toBe('nope');
  });
});
