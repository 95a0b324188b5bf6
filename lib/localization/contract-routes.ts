/**
 * The localization service's routes and their schemas: `GET /api/localization/prices`, the
 * effective price of a sku (the pricing rules and their resolution are commerce's contract).
 * lib/registry/domain-routes.ts joins them to the declaration (./contract.ts).
 */
import * as z from 'zod/mini';
import { countrySchema, currencySchema, skuSchema } from '../commerce/contract.ts';
import { ALL, type RouteDefinition } from '../registry/types.ts';

/** `GET /api/localization/prices`: a sku in a currency, for a country (none: the global rule). */
export const priceQuerySchema = z.strictObject({
  sku: skuSchema,
  currency: currencySchema,
  country: z.optional(countrySchema),
});

/** A resolved price (lib/commerce/contract.ts `resolvePrice`). */
export const priceSchema = z.object({
  sku: z.string(),
  currency: z.string(),
  amount: z.number(),
  country: z.optional(z.string()),
  region: z.optional(z.string()),
  level: z.enum(['country', 'region', 'global']),
  rule: z.object({ ref: z.string(), version: z.number().check(z.int()) }),
});

/** The localization service's routes besides its collection. */
export const LOCALIZATION_ROUTES: readonly RouteDefinition[] = [
  {
    method: 'GET',
    path: '/api/localization/prices',
    summary:
      'The effective price of a sku in a currency for a country (country rule, else region, else global).',
    rule: 'localization.prices',
    roles: ALL,
    query: priceQuerySchema,
    response: priceSchema,
  },
];
