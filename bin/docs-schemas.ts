/**
 * `npm run docs:schemas`: writes the JSON Schemas (draft 2020-12, the dialect of OpenAPI 3.1)
 * of the event envelope, the metadata document, the error shape, every event type and the live
 * frames (campaign.state, campaign.delta) to
 * docs/schemas/, generated from the zod schemas with zod v4's `z.toJSONSchema`.
 * `test/unit/docs/docs-schemas.test.ts` fails when the files drift from what this generates.
 *
 * Event payloads come from the code's own zod schemas where it has one (entity fields from the
 * registry, `scheduler.schedule`); the payloads built inline by the scheduler, broadcast and
 * localization services are described here, next to the source that builds them.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { campaignDeltaFrameSchema, campaignStateFrameSchema } from '../lib/broadcast/index.ts';
import { metadataSchemaFor } from '../lib/entity-metadata/schema.ts';
import { envelopeSchema } from '../lib/events/envelope.ts';
import { schedulePayloadSchema } from '../lib/events/schedule.ts';
import { emittedEvents, platform, registry, type ServiceDefinition } from '../lib/registry/index.ts';

export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'schemas');
const ID_BASE = 'https://tempora.dev/schemas/';

export interface EventDoc {
  type: string;
  /** Services that emit it. */
  emittedBy: string[];
  description: string;
  payload: z.ZodMiniType;
}

const rfc3339 = z.iso.datetime({ offset: true });

/** The payload of an entity's CRUD and verb events (lib/store/entity-store.ts `commit`). */
function entityPayload(s: ServiceDefinition): z.ZodMiniType {
  const fields = z.extend(s.fields, {
    id: z.string(),
    owner_id: z.string(),
    state: z.string(),
    version: z.number().check(z.int(), z.gte(1)),
    created_at: rfc3339,
    updated_at: rfc3339,
  });
  return z.strictObject({
    fields: fields.check(z.describe(`The ${s.entity}'s fields after the change (before it, for a deletion)`)),
    state: z.string(),
    reschedule: z
      .optional(z.array(schedulePayloadSchema))
      .check(z.describe('Retention intents a verb re-plans (scheduler.schedule payloads)')),
  });
}

const intentPayload = {
  intent_id: z.string(),
  action: schedulePayloadSchema.shape.action,
  pattern: z.string(),
  run_at: rfc3339,
};

/** Events built inline by platform services (source file named in each description). */
const PLATFORM_EVENTS: Record<string, { description: string; payload: z.ZodMiniType }> = {
  'scheduler.schedule': {
    description: 'A request to schedule a future intent (lib/events/schedule.ts).',
    payload: schedulePayloadSchema,
  },
  'scheduler.scheduled': {
    description:
      'An intent was made (or replaced by a new generation) and its EventBridge Scheduler schedule created (lib/scheduler/service.ts).',
    payload: z.strictObject({ ...intentPayload, schedule: z.literal('created') }),
  },
  'scheduler.deferred': {
    description:
      'An intent was made beyond the horizon, or its schedule could not be created yet (`reason`): only the intents table holds it until the materializer creates its schedule (lib/scheduler/service.ts).',
    payload: z.strictObject({
      ...intentPayload,
      schedule: z.literal('deferred'),
      reason: z.optional(z.string()),
    }),
  },
  'scheduler.materialized': {
    description:
      'The materializer created the schedule of a deferred intent entering the horizon (lib/scheduler/service.ts).',
    payload: z.strictObject({ ...intentPayload, schedule: z.literal('created') }),
  },
  'scheduler.rescheduled': {
    description:
      'An intent was rescheduled in place (PATCH): a new generation with its run_at and cancel_on; the old one can no longer fire (lib/scheduler/service.ts).',
    payload: z.strictObject({
      ...intentPayload,
      from_run_at: rfc3339,
      cancel_on: z.array(z.string()),
      schedule: z.enum(['created', 'deferred']),
    }),
  },
  'scheduler.cancelled': {
    description:
      'An intent was cancelled: by one of its cancel_on events, through the API, by a bulk cancellation (`job_id`) or because its entity was deleted (lib/scheduler/service.ts).',
    payload: z.strictObject({ ...intentPayload, reason: z.string(), job_id: z.optional(z.string()) }),
  },
  'scheduler.cancellation.started': {
    description:
      'A bulk cancellation was accepted; the scheduler runs its first step on this event (lib/scheduler/cancellations.ts).',
    payload: z.strictObject({
      job_id: z.string(),
      reason: z.string(),
      step: z.number().check(z.int()),
      filter: z.record(z.string(), z.unknown()),
      expected: z.number().check(z.int()),
    }),
  },
  'scheduler.cancellation.progressed': {
    description: 'A bulk cancellation finished a step; the scheduler runs the next one on this event.',
    payload: z.strictObject({
      job_id: z.string(),
      reason: z.string(),
      step: z.number().check(z.int()),
      matched: z.number().check(z.int()),
      cancelled: z.number().check(z.int()),
      skipped: z.number().check(z.int()),
    }),
  },
  'scheduler.cancellation.completed': {
    description: 'A bulk cancellation reached every intent its filter matched: its counts.',
    payload: z.strictObject({
      job_id: z.string(),
      reason: z.string(),
      matched: z.number().check(z.int()),
      cancelled: z.number().check(z.int()),
      skipped: z.number().check(z.int()),
    }),
  },
  'scheduler.executed': {
    description: 'An intent ran its action once (lib/scheduler/service.ts).',
    payload: z.strictObject(intentPayload),
  },
  'scheduler.failed': {
    description:
      'An intent failed when it ran, or a scheduler.schedule request was refused (then `request_id` names it) (lib/scheduler/service.ts).',
    payload: z.union([
      z.strictObject({ ...intentPayload, reason: z.optional(z.string()) }),
      z.strictObject({ reason: z.string(), request_id: z.string(), details: z.unknown() }),
    ]),
  },
  'pattern.run': {
    description: 'A run_pattern intent fired: the pattern and its payload (lib/scheduler/service.ts).',
    payload: z.strictObject({ ...intentPayload, payload: z.record(z.string(), z.unknown()) }),
  },
  'broadcast.started': {
    description: "A campaign's ticker started broadcasting (lib/broadcast/lambda.ts).",
    payload: z.strictObject({
      epoch: z.number().check(z.int()),
      frequency: z.number(),
      execution: z.string(),
      first_seq: z.number().check(z.int()),
    }),
  },
  'broadcast.stopped': {
    description: "A campaign's ticker stopped (lib/broadcast/controller.ts).",
    payload: z.strictObject({
      epoch: z.number().check(z.int()),
      reason: z.string(),
      execution: z.string(),
      started_at: z.optional(z.string()),
      last_seq: z.number().check(z.int()),
    }),
  },
  'campaign.score': {
    description: 'A leaderboard score changed by `delta` (lib/broadcast/leaderboard.ts).',
    payload: z.strictObject({ user: z.string(), delta: z.number(), via: z.enum(['http', 'websocket']) }),
  },
  'records.migration.started': {
    description:
      'A migration of records was accepted; the records service runs it on this event (lib/records/migrations.ts).',
    payload: z.strictObject({
      migration_id: z.string(),
      matched: z.number().check(z.int()),
      filter: z.record(z.string(), z.string()),
    }),
  },
  'records.migration.completed': {
    description: 'A migration of records finished: its counts (lib/records/migrations.ts).',
    payload: z.strictObject({
      migration_id: z.string(),
      counts: z.record(z.string(), z.number().check(z.int())),
    }),
  },
  'records.migration.failed': {
    description: 'A migration of records stopped on an error (lib/records/migrations.ts).',
    payload: z.strictObject({ migration_id: z.string(), error: z.string() }),
  },
  'records.migration.rollback_requested': {
    description: 'A rollback of a migration was accepted; the records service runs it on this event.',
    payload: z.strictObject({ migration_id: z.string(), force: z.boolean() }),
  },
  'records.migration.rolled_back': {
    description: 'A migration was rolled back: records restored and records reported (changed since).',
    payload: z.strictObject({
      migration_id: z.string(),
      restored: z.number().check(z.int()),
      conflicts: z.number().check(z.int()),
      force: z.boolean(),
    }),
  },
  'localization.translated': {
    description: "An entity's scripts were translated and written back (lib/localization/service.ts).",
    payload: z.strictObject({
      locales: z.array(z.string()),
      fields: z.array(z.string()),
      pairs: z.number().check(z.int()),
      source_hash: z.string(),
      provider: z.string(),
      trigger: z.strictObject({ id: z.string(), type: z.string() }),
    }),
  },
};

/** Every event type the registry says is emitted, each with its payload schema. */
export function eventCatalogue(): EventDoc[] {
  const docs = new Map<string, EventDoc>();
  const add = (type: string, by: string, description: string, payload: z.ZodMiniType) => {
    const known = docs.get(type);
    if (known) known.emittedBy.push(by);
    else docs.set(type, { type, emittedBy: [by], description, payload });
  };
  for (const s of registry) {
    const verbs = new Set(s.verbs.map((v) => v.emits));
    for (const type of emittedEvents(s)) {
      const crud = type.startsWith(`${s.entity}.`) && /\.(created|updated|deleted)$/.test(type);
      const platformEvent = PLATFORM_EVENTS[type];
      if (crud || verbs.has(type)) {
        const what = crud ? `A ${s.entity} was ${type.split('.').pop()}` : `Verb event of ${s.entity}`;
        add(type, s.name, `${what} (lib/store/entity-store.ts).`, entityPayload(s));
      } else if (platformEvent) add(type, s.name, platformEvent.description, platformEvent.payload);
      else throw new Error(`event ${type} of ${s.name} has no payload schema in bin/docs-schemas.ts`);
    }
  }
  for (const p of platform)
    for (const type of p.emits) {
      const platformEvent = PLATFORM_EVENTS[type];
      if (!platformEvent)
        throw new Error(`event ${type} of ${p.name} has no payload schema in bin/docs-schemas.ts`);
      add(type, p.name, platformEvent.description, platformEvent.payload);
    }
  return [...docs.values()].sort((a, b) => a.type.localeCompare(b.type));
}

/** The contract's error shape (lib/errors.ts `TemporaError.toBody`). */
const errorSchema = z.strictObject({
  error: z.strictObject({
    code: z
      .string()
      .check(
        z.describe('e.g. validation_failed, unauthorized, forbidden, not_found, conflict, payload_too_large'),
      ),
    message: z.string(),
    details: z
      .optional(z.unknown())
      .check(
        z.describe(
          'For validation_failed: { issues: [{ path, message }] }; for payload_too_large: { limit, size }',
        ),
      ),
  }),
});

type Json = Record<string, unknown>;

/** zod writes `format: "starts_with"` for `startsWith`; JSON Schema has no such format (the pattern says it). */
const dropUnknownFormats = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(dropUnknownFormats);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k, x]) => !(k === 'format' && x === 'starts_with'))
      .map(([k, x]) => [k, dropUnknownFormats(x)]),
  );
};

const toJson = (schema: z.ZodMiniType, id: string, title: string, description?: string): Json => ({
  ...(dropUnknownFormats(
    z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any' }),
  ) as Json),
  $id: `${ID_BASE}${id}`,
  title,
  ...(description ? { description } : {}),
});

/** Every schema file (path under docs/schemas → JSON document). */
export function buildSchemas(): Record<string, Json> {
  const files: Record<string, Json> = {
    'metadata.strict.schema.json': toJson(
      metadataSchemaFor('strict'),
      'metadata.strict.schema.json',
      'Metadata (strict validation)',
      'The canonical metadata document as strict validation accepts it. Limits beyond JSON Schema: at most 64 KB serialized, 16 levels deep, tags and features at most 128 bytes (UTF-8) each, numbers 0 or 1e-130 … 2^53 − 1 in magnitude, no lone surrogates.',
    ),
    'metadata.lenient.schema.json': toJson(
      metadataSchemaFor('lenient'),
      'metadata.lenient.schema.json',
      'Metadata (lenient validation)',
      'The canonical metadata document as lenient validation accepts it (unknown fields kept). Same limits as strict.',
    ),
    'error.schema.json': toJson(
      errorSchema,
      'error.schema.json',
      'Error',
      'Every 4xx and 5xx answer of the HTTP API.',
    ),
  };
  const withMetadataRef = (doc: Json, ref: string): Json => ({
    ...doc,
    properties: { ...(doc.properties as Json), metadata: { $ref: ref } },
  });
  const envelope = toJson(
    envelopeSchema,
    'envelope.schema.json',
    'Event envelope',
    'The `detail` of every Nexus event.',
  );
  files['envelope.schema.json'] = withMetadataRef(envelope, 'metadata.lenient.schema.json');
  // Live frames (docs/broadcast.md, "Formats"): the full state, with its gap and resume fields, and the delta.
  files['frames/campaign.state.schema.json'] = toJson(
    campaignStateFrameSchema,
    'frames/campaign.state.schema.json',
    'campaign.state frame',
    'A live campaign frame: the full state at `seq`. `missed` (websocket transport): frames of the campaign this connection did not get since its last delivered one. `resumed`: the snapshot a client reconnecting with `last_seq` gets right after connecting (`from` null when `last_seq` was not a usable seq).',
  );
  files['frames/campaign.delta.schema.json'] = toJson(
    campaignDeltaFrameSchema,
    'frames/campaign.delta.schema.json',
    'campaign.delta frame',
    'A delta frame (opt-in: `frames=delta`, or the `/campaigns/<id>/delta` channel): the leaderboard rows that changed since the frame of `base_seq` (each with its 1-based `rank`) and the users that left the top N. Apply it only when holding `base_seq`; otherwise wait for the next full frame or read GET /api/campaigns/{id}/state.',
  );
  for (const e of eventCatalogue()) {
    const name = `events/${e.type}.schema.json`;
    const schema = z.extend(envelopeSchema, { type: z.literal(e.type), payload: e.payload });
    const doc = toJson(schema, name, e.type, `${e.description} Emitted by: ${e.emittedBy.join(', ')}.`);
    files[name] = withMetadataRef(doc, '../metadata.lenient.schema.json');
  }
  return files;
}

async function main(): Promise<void> {
  const files = buildSchemas();
  await rm(join(SCHEMAS_DIR, 'events'), { recursive: true, force: true });
  await rm(join(SCHEMAS_DIR, 'frames'), { recursive: true, force: true });
  for (const [name, doc] of Object.entries(files)) {
    const path = join(SCHEMAS_DIR, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
  }
  // The repository's formatter owns the layout (the drift test compares the parsed documents).
  const biome = join(SCHEMAS_DIR, '..', '..', 'node_modules', '.bin', 'biome');
  execFileSync(biome, ['format', '--write', SCHEMAS_DIR], { stdio: 'ignore' });
  const events = await readdir(join(SCHEMAS_DIR, 'events'));
  process.stdout.write(`docs/schemas: ${Object.keys(files).length} files (${events.length} event types)\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
