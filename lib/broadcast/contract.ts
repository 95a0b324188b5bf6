/**
 * The broadcast service's contract (SDK-free): its routes and their schemas (scores, campaign
 * ids), the events it emits and consumes. Its table and channel names are in
 * ./contract-tables.ts. The broadcast Lambda imports this module, not the registry, so it
 * bundles only its own routes' schemas; lib/registry/platform.ts lists it with the others.
 */
import * as z from 'zod/mini';
import { healthSchema } from '../registry/schemas-health.ts';
import { type PlatformServiceDefinition, ROLES } from '../registry/types.ts';

/** Largest |delta| of one score update. */
export const MAX_SCORE_DELTA = 1_000_000;

/** A user id as the leaderboard keeps it. */
export const userIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.@:-]{1,128}$/, 'must be 1-128 letters, digits or _ . @ : -'));

/** A score change: a finite number, at most {@link MAX_SCORE_DELTA} either way. */
export const scoreDeltaSchema = z
  .number({ error: 'must be a number' })
  .check(
    z.gte(-MAX_SCORE_DELTA, { error: `must be ≥ -${MAX_SCORE_DELTA}` }),
    z.lte(MAX_SCORE_DELTA, { error: `must be ≤ ${MAX_SCORE_DELTA}` }),
  );

/** Most named counters one score post may change. */
export const MAX_SCORE_COUNTERS = 16;

/**
 * Named counters posted with a score (`scores.<name>` in a ranking formula): name → delta.
 * Names are identifiers (lib/entity-metadata/formula.ts `COUNTER_NAME_RE`).
 */
export const scoreCountersSchema = z.catchall(z.object({}), scoreDeltaSchema).check(
  z.refine((r) => Object.keys(r).length <= MAX_SCORE_COUNTERS, `at most ${MAX_SCORE_COUNTERS} counters`),
  z.refine(
    (r) => Object.keys(r).every((k) => /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k)),
    'counter names must be identifiers of 1-64 characters',
  ),
);

/** `POST /api/campaigns/{id}/scores`. */
export const scoreBodySchema = z.strictObject({
  user: userIdSchema,
  delta: scoreDeltaSchema,
  scores: z.optional(scoreCountersSchema),
});
export const campaignIdParamsSchema = z.object({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a campaign id')),
});

export const broadcast: PlatformServiceDefinition = {
  name: 'broadcast',
  description:
    'Live campaigns: WebSocket connections, a Step Functions ticker per broadcasting campaign, fan-out of campaign state frames.',
  folder: 'broadcast',
  routes: [
    {
      method: 'POST',
      path: '/api/campaigns/{id}/scores',
      summary: "Change a user's score on a campaign's leaderboard (a user only their own).",
      roles: ROLES,
      params: campaignIdParamsSchema,
      idempotent: true,
      body: scoreBodySchema,
      example: { user: 'usr_01', delta: 10 },
      response: z.object({ campaign_id: z.string(), user: z.string(), score: z.number() }),
    },
    {
      method: 'GET',
      path: '/api/campaigns/{id}/live',
      summary:
        "How to join a campaign's live frames: the transport its broadcaster uses now, the WebSocket URL, the Event API's realtime endpoint and channel while that transport is active, and a live token for this campaign.",
      roles: ROLES,
      params: campaignIdParamsSchema,
      response: z.object({
        transport: z.enum(['websocket', 'events']),
        seq: z.optional(z.number()),
        token: z.string(),
        expires_at: z.string(),
        websocket: z.object({ url: z.string() }),
        events: z.optional(
          z.object({ realtime_url: z.string(), http_host: z.string(), channel: z.string() }),
        ),
      }),
    },
    {
      method: 'GET',
      path: '/api/campaigns/{id}/state',
      summary:
        "The campaign's latest `campaign.state` frame, with its `seq`: what a live client on either transport reads after a gap (404 before the first frame).",
      roles: ROLES,
      params: campaignIdParamsSchema,
      response: z.object({
        type: z.literal('campaign.state'),
        campaign_id: z.string(),
        seq: z.number(),
        ts: z.string(),
        payload: z.looseObject({
          leaderboard: z.array(z.looseObject({ user: z.string(), score: z.number() })),
          live_participant_count: z.number(),
        }),
      }),
    },
    {
      method: 'GET',
      path: '/api/broadcast/health',
      public: true,
      summary: 'Health of the broadcast service.',
      response: healthSchema,
    },
  ],
  // pattern.run: the scheduler's `broadcast.start` intent, set ahead of a future start_time.
  consumes: ['campaign.created', 'campaign.updated', 'campaign.deleted', 'pattern.run'],
  emits: ['broadcast.started', 'broadcast.stopped', 'campaign.score', 'scheduler.schedule'],
  capabilities: ['websocket connections', 'real-time broadcast', 'leaderboards', 'frame dropping'],
  dependencies: ['campaign', 'nexus'],
  integrationPoints: ['campaign'],
};
