/**
 * `/api/policies`: read and change the policy matrix at runtime (admin only: the registry's
 * declaration, enforced by the kit, as are the path, query and body).
 */

import type * as z from 'zod/mini';
import { inputOf, type Routes } from '../lambda-kit/http-types.ts';
import { json } from '../lambda-kit/response.ts';
import { defaultPolicy, policyId } from '../policy/matrix.ts';
import type { PolicyStore } from '../policy/store.ts';
import type { policyKeySchema, policySchema } from '../registry/schemas.ts';

type PolicyKey = z.output<typeof policyKeySchema>;

export function policyRoutes(store: PolicyStore, environment: string): Routes {
  return {
    'GET /api/policies': {
      handler: async (req) => {
        const env = inputOf<unknown, { environment?: string }>(req).query.environment ?? environment;
        const rows = await store.list([env]);
        return json(200, {
          environment: env,
          items: rows.map((r) => ({ id: policyId(r), ...r })),
          defaults: {
            user: defaultPolicy('user'),
            admin: defaultPolicy('admin'),
            service: defaultPolicy('service'),
          },
        });
      },
    },
    'PUT /api/policies/{role}/{environment}/{category}': {
      handler: async (req) => {
        const { params: key, body } = inputOf<PolicyKey, unknown, z.output<typeof policySchema>>(req);
        const row = {
          ...key,
          ...body,
          updated_at: new Date().toISOString(),
          updated_by: req.principal?.sub ?? '',
        };
        await store.put(row);
        return json(200, { id: policyId(row), ...row });
      },
    },
    'DELETE /api/policies/{role}/{environment}/{category}': {
      handler: async (req) => {
        await store.remove(inputOf<PolicyKey>(req).params);
        return json(204);
      },
    },
  };
}
