/**
 * Bulk cancellation (`POST /api/scheduler/intents/cancellations`, docs/scheduler.md):
 *
 * - `request`: a dry run (200: how many scheduled intents the filter matches, the first 20), or
 *   a job: its row and `scheduler.cancellation.started` in one transaction (409 when the id was
 *   used), answered 202. More than {@link CANCEL_CONFIRM_THRESHOLD} matches need `confirm_large`.
 * - `step` (on the job's started/progressed event, from Nexus): claim the job's step with a
 *   lease (a redelivered event does nothing while it runs, or after it moved on), cancel up to
 *   {@link STEP_INTENTS} matching intents from the job's position, then record the position and
 *   emit the next step's event, or `scheduler.cancellation.completed`, in one conditional
 *   transaction. A step that died is taken over once its lease expires (the event is retried).
 *
 * Each cancel is the single cancel's conditional transition (SchedulerService.tryCancel: it
 * emits `scheduler.cancelled` with the reason and never races a fire into two outcomes); the
 * job's `cancelled` counter is in that same transaction, so a step taken over never counts an
 * intent twice. An intent reached but no longer scheduled counts as `skipped`.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulidx';
import type { Principal } from '../auth/tokens.ts';
import { applied, isConditionFailure } from '../aws/dynamodb.ts';
import { conflict, notFound, validationError } from '../errors.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { outboxPut } from '../events/outbox.ts';
import { CANCELLATION_EVENTS } from './contract.ts';
import {
  CANCEL_CONFIRM_THRESHOLD,
  CANCEL_PREVIEW_SIZE,
  type CancellationBody,
  type CancellationJob,
  type IntentFilter,
} from './contract-schemas.ts';
import { intentView } from './intent.ts';
import type { IntentSearch } from './search.ts';
import type { SchedulerService } from './service.ts';

const ulid = monotonicFactory();
/** Intents one step reaches at most (then the next step's event carries on). */
export const STEP_INTENTS = 100;
/** A step stops reaching intents after this long (the function's timeout is 60 s). */
const STEP_MS = 30_000;
/** A step's claim: longer than the function's timeout, so only a dead step is taken over. */
const LEASE_MS = 90_000;
/** Job rows are kept this long after they are made (TTL). */
const JOB_TTL_S = 30 * 86_400;
const PAGE = 25;

interface JobRow extends Omit<CancellationJob, 'matched'> {
  step: number;
  lease_until: number;
  position?: Record<string, string | number>;
  expires_at: number;
}

export interface CancellationDeps {
  ddb: DynamoDBDocumentClient;
  tables: { jobs: string; outbox: string };
  scheduler: SchedulerService;
  search: IntentSearch;
  now?: () => Date;
}

/** What a job's filter matches: the scheduled intents of the filter (`all` is every one). */
export function jobFilter(filter: CancellationBody['filter']): IntentFilter {
  const { all: _, ...rest } = filter;
  return { ...rest, status: 'scheduled' };
}

const view = (row: JobRow): CancellationJob => {
  const { step: _s, lease_until: _l, position: _p, expires_at: _e, ...rest } = row;
  return { ...rest, matched: row.cancelled + row.skipped };
};

export class IntentCancellations {
  private readonly now: () => Date;

  constructor(private readonly deps: CancellationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The job's events (started, progressed) are its steps. */
  handles(e: EventEnvelope): boolean {
    return e.type === CANCELLATION_EVENTS.started || e.type === CANCELLATION_EVENTS.progressed;
  }

  async request(
    body: CancellationBody,
    meta: { actor: Principal; correlationId: string },
  ): Promise<{ status: 200 | 202; body: unknown }> {
    const filter = jobFilter(body.filter);
    const { search } = this.deps;
    if (body.dry_run) {
      const matched = await search.count(filter);
      const first = (await search.pageAt(filter, CANCEL_PREVIEW_SIZE)).items.map(intentView);
      return {
        status: 200,
        body: { dry_run: true, matched, confirm_large_required: matched > CANCEL_CONFIRM_THRESHOLD, first },
      };
    }
    const expected = await search.count(filter, body.confirm_large ? undefined : CANCEL_CONFIRM_THRESHOLD);
    if (expected > CANCEL_CONFIRM_THRESHOLD && !body.confirm_large)
      throw validationError([
        {
          path: 'confirm_large',
          message: `the filter matches more than ${CANCEL_CONFIRM_THRESHOLD} scheduled intents: send confirm_large: true to cancel them`,
        },
      ]);
    const now = this.now().toISOString();
    const row: JobRow = {
      id: body.id ?? `ccl_${ulid()}`,
      status: 'running',
      filter: body.filter,
      reason: body.reason,
      expected,
      cancelled: 0,
      skipped: 0,
      requested_by: meta.actor.sub,
      correlation_id: meta.correlationId,
      created_at: now,
      updated_at: now,
      step: 0,
      lease_until: 0,
      expires_at: Math.floor(Date.parse(now) / 1000) + JOB_TTL_S,
    };
    const made = await applied(
      this.deps.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.deps.tables.jobs,
                Item: row,
                ConditionExpression: 'attribute_not_exists(id)',
              },
            },
            outboxPut(
              this.deps.tables.outbox,
              this.jobEvent(CANCELLATION_EVENTS.started, row, { step: 0, filter: body.filter, expected }),
            ),
          ],
        }),
      ),
    );
    if (!made) throw conflict(`Cancellation job "${row.id}" exists: a job id is used once`, { id: row.id });
    return { status: 202, body: view(row) };
  }

  async get(id: string): Promise<CancellationJob> {
    const out = await this.deps.ddb.send(
      new GetCommand({ TableName: this.deps.tables.jobs, Key: { id }, ConsistentRead: true }),
    );
    if (!out.Item) throw notFound(`Cancellation job "${id}" not found`);
    return view(out.Item as JobRow);
  }

  async onEvent(e: EventEnvelope): Promise<void> {
    const { job_id, step } = (e.payload ?? {}) as { job_id?: unknown; step?: unknown };
    if (typeof job_id === 'string' && typeof step === 'number') await this.step(job_id, step);
  }

  /** Run step `n` of a job, if it is still to run and nobody else runs it. */
  async step(id: string, n: number): Promise<void> {
    const started = this.now().getTime();
    const lease = started + LEASE_MS;
    let job: JobRow;
    try {
      const out = await this.deps.ddb.send(
        new UpdateCommand({
          TableName: this.deps.tables.jobs,
          Key: { id },
          UpdateExpression: 'SET lease_until = :lease',
          ConditionExpression: 'step = :n AND #status = :running AND lease_until < :nowMs',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':lease': lease, ':n': n, ':running': 'running', ':nowMs': started },
          ReturnValues: 'ALL_NEW',
        }),
      );
      job = out.Attributes as JobRow;
    } catch (e) {
      if (isConditionFailure(e)) return; // done already, moved on, or running elsewhere
      throw e;
    }
    const filter = jobFilter(job.filter as CancellationBody['filter']);
    const counter = (attr: 'cancelled' | 'skipped') => ({
      Update: {
        TableName: this.deps.tables.jobs,
        Key: { id },
        UpdateExpression: `ADD ${attr} :one`,
        ExpressionAttributeValues: { ':one': 1 },
      },
    });
    let position = job.position;
    let reached = 0;
    let done = false;
    while (reached < STEP_INTENTS && this.now().getTime() - started < STEP_MS) {
      const page = await this.deps.search.pageAt(filter, Math.min(PAGE, STEP_INTENTS - reached), position);
      for (const intent of page.items) {
        const cancelled = await this.deps.scheduler.tryCancel(intent, job.reason, {
          correlationId: job.correlation_id,
          job: { id, counter: counter('cancelled') },
        });
        if (!cancelled) await this.deps.ddb.send(new UpdateCommand(counter('skipped').Update));
        reached++;
      }
      position = page.next;
      if (!position) {
        done = true;
        break;
      }
    }
    const now = this.now().toISOString();
    const counts = await this.get(id);
    await this.deps.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.deps.tables.jobs,
              Key: { id },
              UpdateExpression: done
                ? 'SET step = :next, lease_until = :zero, updated_at = :now, #status = :completed, completed_at = :now REMOVE #position'
                : 'SET step = :next, lease_until = :zero, updated_at = :now, #position = :position',
              ConditionExpression: 'step = :n AND lease_until = :lease',
              ExpressionAttributeNames: { '#position': 'position', ...(done ? { '#status': 'status' } : {}) },
              ExpressionAttributeValues: {
                ':next': n + 1,
                ':zero': 0,
                ':now': now,
                ':n': n,
                ':lease': lease,
                ...(done ? { ':completed': 'completed' } : { ':position': position }),
              },
            },
          },
          outboxPut(
            this.deps.tables.outbox,
            done
              ? this.jobEvent(CANCELLATION_EVENTS.completed, job, {
                  matched: counts.matched,
                  cancelled: counts.cancelled,
                  skipped: counts.skipped,
                })
              : this.jobEvent(CANCELLATION_EVENTS.progressed, job, {
                  step: n + 1,
                  matched: counts.matched,
                  cancelled: counts.cancelled,
                  skipped: counts.skipped,
                }),
          ),
        ],
      }),
    );
  }

  private jobEvent(
    type: string,
    job: Pick<JobRow, 'id' | 'reason' | 'correlation_id'>,
    extra: Record<string, unknown>,
  ) {
    return this.deps.scheduler.event(
      type,
      job.correlation_id,
      { type: 'intent_cancellation', id: job.id, version: 1 },
      { job_id: job.id, reason: job.reason, ...extra },
    );
  }
}
