/**
 * The scheduler's contract, part two: the request and response schemas of its routes beyond
 * `scheduler.schedule` (./contract-schedule.ts): an intent as the API answers it, intent search
 * filters, the summary, a reschedule, a bulk cancellation and its job. Imported by the
 * scheduler's declaration (./contract.ts) and its own code.
 */
import * as z from 'zod/mini';
import { eventTypeSchema, MAX_PAGE_SIZE } from '../registry/schemas.ts';
import { ACTIONS, INTENT_STATUSES } from './contract-schedule.ts';

/** A scheduler intent (lib/scheduler/service.ts `IntentRecord`). */
export const intentSchema = z.object({
  id: z.string(),
  entity_type: z.string(),
  entity_id: z.string(),
  action: z.enum(ACTIONS),
  pattern: z.string(),
  run_at: z.string(),
  cancel_on: z.array(z.string()),
  payload: z.optional(z.record(z.string(), z.unknown())),
  status: z.enum(INTENT_STATUSES),
  generation: z.number().check(z.int()),
  attempts: z.number().check(z.int()),
  lease_until: z.number(),
  schedule_name: z.string(),
  /** `created`: its EventBridge Scheduler schedule exists; `deferred`: kept in the table until it enters the horizon. */
  schedule: z.enum(['created', 'deferred']),
  correlation_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  reason: z.optional(z.string()),
  /** The bulk cancellation that cancelled it. */
  job_id: z.optional(z.string()),
});

const rfc3339 = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' });
/** A pattern, as `scheduler.schedule` takes it. */
const patternSchema = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(64),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, dots, dashes or underscores'),
  );
const idLike = z.string().check(z.minLength(1), z.maxLength(128));

/** The filters of an intent search (query string) and of a bulk cancellation (JSON). */
export const intentFilterShape = {
  status: z.optional(z.enum(INTENT_STATUSES, { error: `must be one of ${INTENT_STATUSES.join(', ')}` })),
  action: z.optional(z.enum(ACTIONS, { error: `must be one of ${ACTIONS.join(', ')}` })),
  pattern: z.optional(patternSchema),
  entity_type: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be an entity type'))),
  entity_id: z.optional(idLike),
  run_at_from: z.optional(rfc3339),
  run_at_to: z.optional(rfc3339),
};

/** `run_at_from` after `run_at_to` names `run_at_from` (`at` prefixes the path: `query.`, `filter.`). */
const orderedRange = <T extends { run_at_from?: string; run_at_to?: string }>(
  ctx: z.core.ParsePayload<T>,
): void => {
  const { run_at_from: from, run_at_to: to } = ctx.value;
  if (from && to && Date.parse(from) > Date.parse(to))
    ctx.issues.push({
      code: 'custom',
      path: ['run_at_from'],
      message: 'must not be after run_at_to',
      input: from,
    });
};

/** `GET /api/scheduler/intents`: the filters, `limit` and `cursor`; unknown parameters are refused. */
export const intentSearchQuerySchema = z
  .strictObject({
    ...intentFilterShape,
    limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_PAGE_SIZE))),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
  })
  .check(orderedRange);
export type IntentSearchQuery = z.output<typeof intentSearchQuerySchema>;
export type IntentFilter = Omit<IntentSearchQuery, 'limit' | 'cursor'>;

/** An intent as the API shows it. */
export const intentPageSchema = z.object({
  items: z.array(intentSchema),
  next_cursor: z.optional(z.string()),
});

const dueCounts = {
  next_hour: z.number().check(z.int()),
  next_day: z.number().check(z.int()),
  next_week: z.number().check(z.int()),
  later: z.number().check(z.int()),
  all: z.number().check(z.int()),
};

/** `GET /api/scheduler/intents/summary`: scheduled intents by pattern and by when they are due. */
export const intentSummarySchema = z.object({
  as_of: z.string(),
  horizon: z.string(),
  total: z.object({ ...dueCounts, deferred: z.number().check(z.int()) }),
  by_pattern: z.array(z.object({ pattern: z.string(), ...dueCounts })),
});

/** `PATCH /api/scheduler/intents/{id}`: a new `run_at`, new `cancel_on`, or both. */
export const rescheduleBodySchema = z
  .strictObject({
    run_at: z.optional(rfc3339),
    cancel_on: z.optional(z.array(eventTypeSchema).check(z.maxLength(20))),
  })
  .check((ctx) => {
    if (ctx.value.run_at === undefined && ctx.value.cancel_on === undefined)
      for (const field of ['run_at', 'cancel_on'])
        ctx.issues.push({
          code: 'custom',
          path: [field],
          message: 'a reschedule takes run_at, cancel_on or both',
          input: ctx.value,
        });
  });
export type RescheduleBody = z.output<typeof rescheduleBodySchema>;

/** The path parameter of one intent. */
export const intentIdParamsSchema = z.object({
  id: z.string().check(z.regex(/^int_[0-9a-f]{40}$/, 'must be an intent id (int_ and 40 hex digits)')),
});

/** More intents than this need `confirm_large: true` to be cancelled at once. */
export const CANCEL_CONFIRM_THRESHOLD = 1000;
/** How many of the matched intents a dry run shows. */
export const CANCEL_PREVIEW_SIZE = 20;

/** `POST /api/scheduler/intents/cancellations`. */
export const cancellationBodySchema = z
  .strictObject({
    id: z.optional(
      z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')),
    ),
    filter: z
      .strictObject({ ...intentFilterShape, all: z.optional(z.literal(true, 'must be true when given')) })
      .check(orderedRange),
    reason: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(256)),
    dry_run: z.optional(z.boolean()),
    confirm_large: z.optional(z.boolean()),
  })
  .check((ctx) => {
    const { filter, confirm_large } = ctx.value;
    const { all, ...rest } = filter;
    const issue = (path: PropertyKey[], message: string) =>
      ctx.issues.push({ code: 'custom', path, message, input: filter });
    if (Object.values(rest).every((v) => v === undefined) && !all)
      issue(['filter'], 'needs at least one filter, or all: true with confirm_large: true');
    if (all && confirm_large !== true)
      issue(['confirm_large'], 'must be true to cancel with filter all: true');
    if (rest.status !== undefined && rest.status !== 'scheduled')
      issue(['filter', 'status'], 'only scheduled intents can be cancelled: omit it or say scheduled');
  });
export type CancellationBody = z.output<typeof cancellationBodySchema>;

/** A dry run: how many intents the filter matches now, and the first of them. */
export const cancellationPreviewSchema = z.object({
  dry_run: z.literal(true),
  matched: z.number().check(z.int()),
  confirm_large_required: z.boolean(),
  first: z.array(intentSchema),
});

/** A bulk cancellation job and its progress. */
export const cancellationJobSchema = z.object({
  id: z.string(),
  status: z.enum(['running', 'completed', 'failed']),
  filter: z.record(z.string(), z.unknown()),
  reason: z.string(),
  /** Intents the filter matched when the job was accepted. */
  expected: z.number().check(z.int()),
  /** Intents the job has reached so far (cancelled + skipped). */
  matched: z.number().check(z.int()),
  cancelled: z.number().check(z.int()),
  /** Reached but no longer scheduled (executed, cancelled, failed or running in between). */
  skipped: z.number().check(z.int()),
  requested_by: z.string(),
  correlation_id: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  completed_at: z.optional(z.string()),
  error: z.optional(z.string()),
});
export type CancellationJob = z.output<typeof cancellationJobSchema>;

export const cancellationIdParamsSchema = z.object({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a cancellation job id')),
});
