/**
 * The order routes the commerce service overrides (create and update price items that carry no
 * `unit_price`, ./pricing.ts); the rest of the collection is the kit's (lib/lambda-kit/entity-service.ts).
 */

import type { ServiceDeps } from '../lambda-kit/entity-service.ts';
import type { HttpRequest, Routes } from '../lambda-kit/http-types.ts';
import { parseIfMatch } from '../lambda-kit/input.ts';
import { json } from '../lambda-kit/response.ts';
import type { RequestContext } from '../store/model.ts';
import type { PricingRuleReader } from '../store/pricing-rules.ts';
import { priceOrderItems } from './pricing.ts';

const ctxOf = (req: HttpRequest): RequestContext => {
  if (!req.principal) throw new Error('route requires a principal');
  return { actor: req.principal, correlationId: req.correlationId };
};

export function orderRoutes(deps: ServiceDeps, rules: () => PricingRuleReader): Routes {
  return {
    'POST /api/orders': {
      handler: async (req) => {
        const body = await priceOrderItems(req.body, rules);
        return json(201, await deps.store.create(body, ctxOf(req)));
      },
    },
    'PATCH /api/orders/{id}': {
      handler: async (req) => {
        const ctx = ctxOf(req);
        const id = req.params.id ?? '';
        const ifMatch = parseIfMatch(req.headers['if-match']);
        const hasItems = Array.isArray((req.body as { items?: unknown } | null)?.items);
        // The stored order's currency and country price the items the patch leaves unpriced.
        const order = hasItems ? ((await deps.store.get(id, ctx.actor)) as Record<string, unknown>) : {};
        const body = await priceOrderItems(req.body, rules, order);
        return json(200, await deps.store.patch(id, body, ctx, ifMatch));
      },
    },
  };
}
