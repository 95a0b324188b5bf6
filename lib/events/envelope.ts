/**
 * The Nexus event envelope of the contract: every event on the bus carries it as `detail`.
 */
import { monotonicFactory } from 'ulidx';

/** Monotonic ULIDs: envelopes built in one process sort in the order they were built, even within a millisecond. */
const ulid = monotonicFactory();

import * as z from 'zod/mini';
import type { Metadata } from '../entity-metadata/index.ts';
import { eventDetailType } from '../limits/index.ts';
import { ROLES, type Role } from '../registry/types.ts';

export const ENVELOPE_VERSION = '1.0.0';

export const envelopeSchema = z.object({
  id: z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID')),
  // The entry's DetailType: at most 128 characters (EventBridge refuses longer ones).
  type: eventDetailType().check(
    z.regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'must be a dotted lower-case event type'),
  ),
  version: z.string(),
  source: z.string().check(z.startsWith('tempora.')),
  environment: z.string().check(z.minLength(1)),
  occurred_at: z.iso.datetime({ offset: true }),
  correlation_id: z.string().check(z.minLength(8), z.maxLength(128)),
  actor: z.object({ id: z.string().check(z.minLength(1)), role: z.enum(ROLES) }),
  entity: z.object({
    type: z.string().check(z.minLength(1)),
    id: z.string().check(z.minLength(1)),
    version: z.number().check(z.int(), z.nonnegative()),
  }),
  metadata: z.optional(z.record(z.string(), z.unknown())),
  payload: z.optional(z.record(z.string(), z.unknown())),
});

export interface EventEnvelope {
  id: string;
  type: string;
  version: string;
  source: string;
  environment: string;
  occurred_at: string;
  correlation_id: string;
  actor: { id: string; role: Role };
  entity: { type: string; id: string; version: number };
  metadata?: Metadata;
  payload?: Record<string, unknown>;
}

export interface EnvelopeInput {
  type: string;
  service: string;
  environment: string;
  correlationId: string;
  actor: { id: string; role: Role };
  entity: { type: string; id: string; version: number };
  metadata?: Metadata;
  payload?: Record<string, unknown>;
  occurredAt?: string;
}

/** Build an envelope with a fresh ULID id. */
export function buildEnvelope(i: EnvelopeInput): EventEnvelope {
  return {
    id: ulid(),
    type: i.type,
    version: ENVELOPE_VERSION,
    source: `tempora.${i.service}`,
    environment: i.environment,
    occurred_at: i.occurredAt ?? new Date().toISOString(),
    correlation_id: i.correlationId,
    actor: i.actor,
    entity: i.entity,
    ...(i.metadata === undefined ? {} : { metadata: i.metadata }),
    ...(i.payload === undefined ? {} : { payload: i.payload }),
  };
}
