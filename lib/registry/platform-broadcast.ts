/**
 * The broadcast platform service's declaration, in a module of its own so the broadcast
 * Lambda bundles only its own routes' schemas, not the whole registry (lib/registry/platform.ts
 * lists it with the others).
 */
import * as z from 'zod/mini';
import { campaignIdParamsSchema, healthSchema, scoreBodySchema } from './schemas-live.ts';
import { type PlatformServiceDefinition, ROLES } from './types.ts';

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
