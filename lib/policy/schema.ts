import * as z from 'zod';

/** ISO 8601 duration (date and time parts, e.g. P90D, P1Y, PT12H) or `forever`. */
export const retentionSchema = z.union([
  z.literal('forever'),
  z
    .string()
    .regex(
      /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/,
      'must be an ISO 8601 duration such as P90D, or "forever"',
    ),
]);

export const policySchema = z.strictObject({
  retention: retentionSchema,
  access: z.enum(['full', 'internal', 'self+admin']),
  validation: z.enum(['strict', 'lenient']),
  exposure: z.enum(['internal', 'none', 'summary', 'full']),
});

export const policyKeySchema = z.object({
  role: z.enum(['user', 'admin', 'service']),
  environment: z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be a lower-case environment name'),
  category: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lower-case category name'),
});
