/**
 * `/api/policies`: read and change the policy matrix at runtime (admin only).
 */

import type { HttpRequest, Routes } from '../edge/http-types.ts';
import { json } from '../edge/response.ts';
import { forbidden, toFieldIssues, validationError } from '../errors.ts';
import { defaultPolicy, policyId } from '../policy/matrix.ts';
import { policyKeySchema, policySchema } from '../policy/schema.ts';
import type { PolicyStore } from '../policy/store.ts';

const adminOnly = (req: HttpRequest, action: string) => {
  if (req.principal?.role !== 'admin') {
    throw forbidden(`Only admins may ${action} policies`, {
      rule: `security.policies.${action}`,
      allowed_roles: ['admin'],
    });
  }
  return req.principal;
};

function keyOf(req: HttpRequest) {
  const k = policyKeySchema.safeParse(req.params);
  if (!k.success) throw validationError(toFieldIssues(k.error.issues, 'path'));
  return k.data;
}

export function policyRoutes(store: PolicyStore, environment: string): Routes {
  return {
    'GET /api/policies': {
      handler: async (req) => {
        adminOnly(req, 'read');
        const env = req.query.environment ?? environment;
        const k = policyKeySchema.shape.environment.safeParse(env);
        if (!k.success) throw validationError(toFieldIssues(k.error.issues, 'query.environment'));
        const rows = await store.list([k.data]);
        return json(200, {
          environment: k.data,
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
        const actor = adminOnly(req, 'write');
        const key = keyOf(req);
        const body = policySchema.safeParse(req.body);
        if (!body.success) throw validationError(toFieldIssues(body.error.issues));
        const row = { ...key, ...body.data, updated_at: new Date().toISOString(), updated_by: actor.sub };
        await store.put(row);
        return json(200, { id: policyId(row), ...row });
      },
    },
    'DELETE /api/policies/{role}/{environment}/{category}': {
      handler: async (req) => {
        adminOnly(req, 'write');
        await store.remove(keyOf(req));
        return json(204);
      },
    },
  };
}
