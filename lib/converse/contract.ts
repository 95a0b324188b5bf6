/**
 * The converse service's contract (SDK-free): "ask Tempora", docs/converse.md. Questions in,
 * answers from the intents, the audit trail and the knowledge graph out, read with the caller's
 * own token; actions proposed with a confirmation token and performed only on confirmation.
 */
import * as z from 'zod/mini';
import { ALL, type PlatformServiceDefinition } from '../registry/types.ts';

/** Longest question, in characters (a longer one is a 413). */
export const MAX_CONVERSE_TEXT = 2000;

/** `POST /api/converse`. */
export const converseBodySchema = z.strictObject({
  text: z.string({ error: 'is required (the question)' }).check(z.minLength(1, 'must not be empty')),
});

/** `POST /api/converse/confirm`. */
export const confirmBodySchema = z.strictObject({
  token: z
    .string({ error: 'is required (a confirmation token from POST /api/converse)' })
    .check(z.minLength(1), z.maxLength(128)),
});

const fact = z.looseObject({ kind: z.string() });

/** What both routes answer. */
export const converseAnswerSchema = z.object({
  intent: z.string(),
  answer: z.string(),
  facts: z.array(fact),
  actions: z.optional(
    z.array(
      z.object({
        kind: z.enum(['cancel_intent', 'reschedule_intent']),
        description: z.string(),
        method: z.enum(['DELETE', 'PATCH']),
        path: z.string(),
        body: z.optional(z.record(z.string(), z.unknown())),
        confirmation_token: z.string(),
        expires_at: z.string(),
      }),
    ),
  ),
});

export const converse: PlatformServiceDefinition = {
  name: 'converse',
  description:
    'Ask Tempora: a rules-based intent parser answering from intents, the audit trail and the knowledge graph, as the caller.',
  folder: 'converse',
  routes: [
    {
      method: 'POST',
      path: '/api/converse',
      summary: `Ask a question (text of at most ${MAX_CONVERSE_TEXT} characters, else 413): { intent, answer, facts, actions? }; actions are proposed, not performed.`,
      rule: 'converse.ask',
      // A retry with the same Idempotency-Key replays the answer (and its tokens) instead of proposing again.
      idempotent: true,
      roles: ALL,
      body: converseBodySchema,
      response: converseAnswerSchema,
      example: { text: 'what depends on campaign' },
    },
    {
      method: 'POST',
      path: '/api/converse/confirm',
      summary:
        'Perform a proposed action with its confirmation token, as the caller (403 for a token expired, used or issued to another caller).',
      rule: 'converse.confirm',
      idempotent: true,
      roles: ALL,
      body: confirmBodySchema,
      response: converseAnswerSchema,
      example: { token: 'the confirmation_token of an action proposed by POST /api/converse' },
    },
  ],
  consumes: [],
  emits: [],
  capabilities: ['intent parsing', 'answers from system state', 'confirmed actions'],
  dependencies: ['scheduler', 'security', 'amadeus'],
  integrationPoints: [],
};
