/**
 * `GET /api/localization/prices?sku=&currency=&country=`: the effective location-based price
 * (lib/commerce/contract.ts): a country rule beats a region rule beats a global one; 404
 * naming the sku when none applies.
 */

import { resolvePrice } from '../commerce/contract.ts';
import { notFound } from '../errors.ts';
import { inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { json } from '../lambda-kit/response.ts';
import type { PricingRuleReader } from '../store/pricing-rules.ts';

interface PriceQuery {
  sku: string;
  currency: string;
  country?: string;
}

export function priceRoutes(rules: () => PricingRuleReader): Routes {
  return {
    'GET /api/localization/prices': {
      handler: async (req) => {
        const q = inputOf<unknown, PriceQuery>(req).query;
        const price = resolvePrice(await rules().rulesFor([q.sku]), q);
        if (!price) {
          throw notFound(
            `No price for sku ${q.sku} in ${q.currency}${q.country ? ` for ${q.country}` : ''} (no country, region or global pricing_rule applies)`,
            { sku: q.sku, currency: q.currency, ...(q.country ? { country: q.country } : {}) },
          );
        }
        return json(200, price);
      },
    },
  };
}
