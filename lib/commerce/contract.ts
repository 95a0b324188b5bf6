/**
 * The commerce service's contract (SDK-free): its orders collection as the entity stores and the
 * registry read it, and location-based pricing (seed 001's Babel service), which commerce owns.
 *
 * Pricing rules are records of type `pricing_rule` (the records service's table) whose
 * `metadata.custom_rules` is one rule `{ sku, currency, amount, country?, region? }`. The
 * effective price of a sku in a currency for a country is the rule for that country, else the
 * rule for the country's region, else the global rule (neither country nor region). See
 * docs/localization.md.
 *
 * Pure (the rule's shape, the region list, resolution): localization (`GET
 * /api/localization/prices`) and records (which validates a `pricing_rule` record) import this
 * contract, never commerce's code; the reader of the rules is lib/store/pricing-rules.ts.
 */
import * as z from 'zod/mini';
import { access, idField, stateField } from '../registry/fields.ts';
import { ALL, type ServiceDefinition } from '../registry/types.ts';

export const PRICING_RULE_TYPE = 'pricing_rule';

/**
 * The regions a rule may name, each a disjoint list of ISO 3166-1 alpha-2 codes (a country
 * belongs to at most one region, so resolution is never ambiguous). A country in no region
 * gets its own rule or the global one.
 */
export const REGIONS: Readonly<Record<string, readonly string[]>> = {
  // The 27 member states of the European Union.
  eu: [
    'AT',
    'BE',
    'BG',
    'HR',
    'CY',
    'CZ',
    'DK',
    'EE',
    'FI',
    'FR',
    'DE',
    'GR',
    'HU',
    'IE',
    'IT',
    'LV',
    'LT',
    'LU',
    'MT',
    'NL',
    'PL',
    'PT',
    'RO',
    'SK',
    'SI',
    'ES',
    'SE',
  ],
  // The rest of Europe.
  europe_other: ['GB', 'CH', 'NO', 'IS', 'LI', 'UA', 'RS', 'AL', 'BA', 'ME', 'MK', 'MD', 'TR'],
  north_america: ['US', 'CA'],
  latam: ['MX', 'BR', 'AR', 'CL', 'CO', 'PE', 'UY', 'PY', 'BO', 'EC', 'VE', 'CR', 'PA', 'GT', 'DO'],
  apac: ['JP', 'KR', 'CN', 'HK', 'TW', 'SG', 'MY', 'TH', 'VN', 'PH', 'ID', 'IN', 'AU', 'NZ'],
  mea: ['AE', 'SA', 'QA', 'KW', 'BH', 'OM', 'IL', 'EG', 'MA', 'ZA', 'NG', 'KE'],
};

/** The region of a country, if it is in one. */
export function regionOf(country: string): string | undefined {
  for (const [region, countries] of Object.entries(REGIONS)) if (countries.includes(country)) return region;
  return undefined;
}

export const skuSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(64));
export const currencySchema = z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'));
export const countrySchema = z
  .string()
  .check(z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as FR'));

/** `metadata.custom_rules` of a `pricing_rule` record: one rule; country and region exclude each other. */
export const pricingRuleSchema = z
  .object({
    sku: skuSchema,
    currency: currencySchema,
    amount: z.number().check(z.nonnegative(), z.lte(1e12)),
    country: z.optional(countrySchema),
    region: z.optional(
      z.string().check(z.refine((r) => r in REGIONS, `must be one of ${Object.keys(REGIONS).join(', ')}`)),
    ),
  })
  .check(
    z.refine((r) => !(r.country && r.region), {
      message: 'give country or region, not both',
      path: ['region'],
    }),
  );

export type PricingRule = z.infer<typeof pricingRuleSchema>;

/** How specific the rule that priced something is. */
export type PriceLevel = 'country' | 'region' | 'global';

/** A pricing rule as stored: the record's name and version with its rule. */
export interface StoredRule {
  name: string;
  version: number;
  rule: PricingRule;
}

export interface ResolvedPrice {
  sku: string;
  currency: string;
  amount: number;
  country?: string;
  region?: string;
  level: PriceLevel;
  /** The record that priced it: `pricing_rule/<name>` and its version. */
  rule: { ref: string; version: number };
}

const levelOf = (r: PricingRule): PriceLevel => (r.country ? 'country' : r.region ? 'region' : 'global');
const RANK: Record<PriceLevel, number> = { country: 0, region: 1, global: 2 };

/**
 * The effective price of `sku` in `currency` for `country` (optional: without it only a global
 * rule applies): country beats region beats global. Two rules at the same level: the record
 * whose name sorts first wins (deterministic; the docs advise one rule per sku/currency/place).
 */
export function resolvePrice(
  rules: readonly StoredRule[],
  q: { sku: string; currency: string; country?: string | undefined },
): ResolvedPrice | undefined {
  const region = q.country ? regionOf(q.country) : undefined;
  const applies = (r: PricingRule): boolean =>
    r.sku === q.sku &&
    r.currency === q.currency &&
    (r.country ? r.country === q.country : r.region ? r.region === region : true);
  const best = rules
    .filter((s) => applies(s.rule))
    .sort((a, b) => RANK[levelOf(a.rule)] - RANK[levelOf(b.rule)] || (a.name < b.name ? -1 : 1))[0];
  if (!best) return undefined;
  return {
    sku: q.sku,
    currency: q.currency,
    amount: best.rule.amount,
    ...(q.country ? { country: q.country } : {}),
    ...(region ? { region } : {}),
    level: levelOf(best.rule),
    rule: { ref: `${PRICING_RULE_TYPE}/${best.name}`, version: best.version },
  };
}

/** Issues of a `pricing_rule` record's metadata (empty when its `custom_rules` is a valid rule). */
export function pricingRuleIssues(metadata: unknown): Array<{ path: string; message: string }> {
  const rules = (metadata as { custom_rules?: unknown } | undefined)?.custom_rules;
  const r = pricingRuleSchema.safeParse(rules ?? {});
  if (r.success) return [];
  return r.error.issues.map((i) => ({
    path: ['metadata', 'custom_rules', ...i.path.map(String)].join('.'),
    message: i.message,
  }));
}

/** The pricing rule that priced something: its record, version and how specific it was. */
export const pricedBySchema = z.strictObject({
  rule: z.string().check(z.maxLength(300)),
  version: z.number().check(z.int(), z.positive()),
  level: z.enum(['country', 'region', 'global']),
});

export const commerce: ServiceDefinition = {
  name: 'commerce',
  description: 'Orders, payments and billing.',
  entity: 'order',
  collection: 'orders',
  table: 'service_commerce_order',
  category: 'commerce',
  namespace: 'commerce',
  fields: z.strictObject({
    customer_id: idField,
    currency: currencySchema,
    /** The buyer's country: items without `unit_price` are priced for it (lib/commerce/pricing.ts). */
    country: z.optional(countrySchema),
    items: z
      .array(
        z.strictObject({
          sku: skuSchema,
          quantity: z.number().check(z.int(), z.positive(), z.lte(10_000)),
          /** Omitted: the resolved location-based price (GET /api/localization/prices). */
          unit_price: z.optional(z.number().check(z.nonnegative())),
          /** Set by the service when it priced the item (read-only for clients). */
          priced_by: z.optional(pricedBySchema),
        }),
      )
      .check(z.minLength(1), z.maxLength(100)),
    state: stateField,
  }),
  access: access(ALL, ALL),
  verbs: [],
  needs: ['pricing-rules'],
  capabilities: ['orders', 'payments', 'billing', 'location-based pricing'],
  dependencies: ['user'],
  integrationPoints: ['nexus'],
  emits: [],
  consumes: [],
};
