/**
 * The records service's contract, part 4: record migrations (`POST /api/metadata/migrations`,
 * its rollback and status): request shapes, views, and the events a migration emits. What the
 * operations do is lib/records/migration.ts. SDK-free (see contract.ts).
 */
import * as z from 'zod/mini';
import { IDENT_MESSAGE, IDENT_RE, STATES } from './contract-record.ts';

/** The events of a migration, on the Nexus bus (the service consumes `started` and `rollback_requested` to run them). */
export const MIGRATION_EVENTS = {
  started: 'records.migration.started',
  completed: 'records.migration.completed',
  failed: 'records.migration.failed',
  rollbackRequested: 'records.migration.rollback_requested',
  rolledBack: 'records.migration.rolled_back',
} as const;

/** Top-level fields a `set` may write (the rest are keys, bookkeeping or checked links). */
export const TOP_LEVEL = ['namespace', 'scope', 'state', 'owner'] as const;
export type TopLevel = (typeof TOP_LEVEL)[number];

export const migrationIdent = z.string().check(z.regex(IDENT_RE, IDENT_MESSAGE));
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
const pathSchema = z.string().check(
  z.maxLength(512),
  z.refine(
    (p) =>
      (TOP_LEVEL as readonly string[]).includes(p) ||
      (p.startsWith('metadata.') &&
        p
          .split('.')
          .slice(1)
          .every((s) => SEGMENT.test(s)) &&
        p.split('.').length <= 33),
    `must be metadata.<key>[.<key>…] (keys of letters, digits, _ and -) or one of ${TOP_LEVEL.join(', ')}`,
  ),
);

export const operationSchema = z
  .strictObject({
    op: z.enum(['set', 'unset', 'rename', 'merge'], { error: 'must be set, unset, rename or merge' }),
    path: pathSchema,
    value: z.optional(z.unknown()),
    to: z.optional(pathSchema),
  })
  .check(
    z.superRefine((o, ctx) => {
      const top = !o.path.startsWith('metadata.');
      if (top && o.op !== 'set')
        ctx.addIssue({
          code: 'custom',
          path: ['op'],
          message: `only set applies to the top-level field ${o.path}`,
        });
      if ((o.op === 'set' || o.op === 'merge') && o.value === undefined)
        ctx.addIssue({ code: 'custom', path: ['value'], message: `is required for ${o.op}` });
      if (o.op === 'merge' && (typeof o.value !== 'object' || o.value === null || Array.isArray(o.value)))
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be an object for merge' });
      if ((o.op === 'unset' || o.op === 'rename') && o.value !== undefined)
        ctx.addIssue({ code: 'custom', path: ['value'], message: `is not taken by ${o.op}` });
      if (o.op === 'rename') {
        if (!o.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'is required for rename' });
        else if (!o.to.startsWith('metadata.'))
          ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be a metadata path' });
        else if (o.to === o.path || o.to.startsWith(`${o.path}.`) || o.path.startsWith(`${o.to}.`))
          ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not overlap path' });
      } else if (o.to !== undefined)
        ctx.addIssue({ code: 'custom', path: ['to'], message: `is only taken by rename` });
    }),
  );

export type MigrationOperation = z.infer<typeof operationSchema>;

export const migrationRequestSchema = z.strictObject({
  id: migrationIdent.check(z.describe('Chosen by the caller; used once (409 on reuse).')),
  description: z.optional(z.string().check(z.maxLength(1000))),
  filter: z.strictObject({
    type: migrationIdent,
    namespace: z.optional(migrationIdent),
    scope: z.optional(migrationIdent),
    state: z.optional(z.enum(STATES)),
  }),
  operations: z.array(operationSchema).check(z.minLength(1), z.maxLength(50)),
  dry_run: z.optional(z.boolean()),
  confirm_large: z.optional(z.boolean()),
});

export type MigrationRequest = z.infer<typeof migrationRequestSchema>;

/** The rollback's body is optional (`{}` when absent). */
export const rollbackRequestSchema = z.pipe(
  z.optional(z.strictObject({ force: z.optional(z.boolean()) })),
  z.transform((b) => b ?? {}),
);

export const migrationParamsSchema = z.object({ id: migrationIdent });

const reportEntry = z.looseObject({ type: z.string(), name: z.string() });

/** A migration as `GET /api/metadata/migrations/{id}` shows it (and the 202 of a start or rollback). */
export const migrationViewSchema = z.object({
  id: z.string(),
  description: z.optional(z.string()),
  filter: z.looseObject({ type: z.string() }),
  operations: z.array(z.looseObject({ op: z.string(), path: z.string() })),
  status: z.enum(['running', 'completed', 'failed', 'rolling_back', 'rolled_back']),
  created_by: z.string(),
  created_at: z.string(),
  started_at: z.optional(z.string()),
  finished_at: z.optional(z.string()),
  counts: z.object({
    matched: z.number().check(z.int()),
    changed: z.number().check(z.int()),
    unchanged: z.number().check(z.int()),
    retried: z.number().check(z.int()),
    conflicts: z.number().check(z.int()),
    failed: z.number().check(z.int()),
  }),
  reported: z.array(reportEntry),
  backup: z.object({ table: z.string(), key: z.string() }),
  error: z.optional(z.string()),
  rollback: z.optional(
    z.object({
      requested_at: z.string(),
      requested_by: z.string(),
      force: z.boolean(),
      finished_at: z.optional(z.string()),
      restored: z.number().check(z.int()),
      conflicts: z.number().check(z.int()),
      reported: z.array(reportEntry),
    }),
  ),
});

/** A dry run's report (200): what the migration would do, nothing written. */
export const migrationDryRunSchema = z.object({
  id: z.string(),
  dry_run: z.literal(true),
  matched: z.number().check(z.int()),
  would_change: z.number().check(z.int()),
  unchanged: z.number().check(z.int()),
  would_fail: z.number().check(z.int()),
  preview: z.array(z.looseObject({ type: z.string(), name: z.string() })),
  failures: z.array(z.looseObject({ type: z.string(), name: z.string() })),
  confirm_large_required: z.optional(z.literal(true)),
});

export type RollbackRequest = z.output<typeof rollbackRequestSchema>;
