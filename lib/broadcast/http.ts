/**
 * HTTP routes of the broadcast service (lib/broadcast/contract.ts):
 * - `POST /api/campaigns/{id}/scores` `{ user, delta, scores? }` (named counters) → 200 `{ campaign_id, user, score }`:
 *   admins and services update anyone's score, a user only their own; 404 for an unknown
 *   campaign; the update is atomic and emits `campaign.score`.
 * - `GET /api/campaigns/{id}/live` → 200 {@link JoinInfo} plus a live token for the caller
 *   (./live-token.ts): where to join, on the transport the campaign's broadcaster uses now;
 *   403 for a campaign the caller may not watch, 404 for an unknown one (./watch-access.ts).
 * - `GET /api/campaigns/{id}/state` → 200 the latest `campaign.state` frame (with its `seq`):
 *   what a client on either transport reads after a gap (./resume.ts); 404 before the
 *   campaign's first frame; 403/404 as for `…/live`.
 * - `GET /api/broadcast/health` (public): the service's tables.
 */
import type { Principal } from '../auth/tokens.ts';
import { forbidden, notFound, toFieldIssues, validationError } from '../errors.ts';
import type { HealthReport } from '../health.ts';
import type { Routes } from '../lambda-kit/http-types.ts';
import { json } from '../lambda-kit/response.ts';
import { CAMPAIGN_ID_RE, type CampaignReader } from './campaigns.ts';
import { scoreBodySchema } from './contract.ts';
import type { JoinInfo } from './join.ts';
import type { LeaderboardStore } from './leaderboard.ts';

export { scoreBodySchema };

export interface BroadcastHttpDeps {
  campaigns: CampaignReader;
  leaderboard: Pick<LeaderboardStore, 'add'>;
  /** Where `principal` joins campaign `id` now (throws 403/404 when it may not watch it). */
  live: (
    principal: Principal,
    campaignId: string,
  ) => Promise<JoinInfo & { token: string; expires_at: string }>;
  /** The latest frame's text of campaign `id` (throws 403/404 when it may not watch it). */
  state: (principal: Principal, campaignId: string) => Promise<string | undefined>;
  health: () => Promise<HealthReport>;
}

const campaignId = (params: Record<string, string | undefined>): string => {
  const id = params.id ?? '';
  if (!CAMPAIGN_ID_RE.test(id))
    throw validationError([{ path: 'path.id', message: 'must be a campaign id' }]);
  return id;
};

/** The caller's `Idempotency-Key` as the score update's own key (absent without the header). */
const requestKeyOf = (headers: Record<string, string>, p: Principal): { requestKey?: string } => {
  const key = headers['idempotency-key'];
  return key === undefined ? {} : { requestKey: `scores|${p.sub}|${key}` };
};

const principalOf = (p: Principal | undefined): Principal => {
  if (!p) throw new Error('route requires a principal');
  return p;
};

export function broadcastRoutes(deps: BroadcastHttpDeps): Routes {
  return {
    'POST /api/campaigns/{id}/scores': {
      handler: async (req) => {
        const id = campaignId(req.params);
        const body = scoreBodySchema.safeParse(req.body ?? {});
        if (!body.success) throw validationError(toFieldIssues(body.error.issues));
        const principal = principalOf(req.principal);
        if (principal.role === 'user' && body.data.user !== principal.sub)
          throw forbidden('A user may only change their own score', { user: body.data.user });
        if (!(await deps.campaigns.get(id, true))) throw notFound(`Campaign "${id}" not found`);
        const score = await deps.leaderboard.add(
          id,
          body.data.user,
          body.data.delta,
          {
            actor: principal,
            correlationId: req.correlationId,
            via: 'http',
            ...requestKeyOf(req.headers, principal),
          },
          body.data.scores,
        );
        return json(200, { campaign_id: id, user: body.data.user, score });
      },
    },
    'GET /api/campaigns/{id}/live': {
      handler: async (req) => json(200, await deps.live(principalOf(req.principal), campaignId(req.params))),
    },
    'GET /api/campaigns/{id}/state': {
      handler: async (req) => {
        const id = campaignId(req.params);
        const frame = await deps.state(principalOf(req.principal), id);
        if (frame === undefined) throw notFound(`Campaign "${id}" has not sent a frame yet`);
        return json(200, JSON.parse(frame) as unknown);
      },
    },
    'GET /api/broadcast/health': {
      public: true,
      handler: async () => {
        const report = await deps.health();
        return json(report.status === 'ok' ? 200 : 503, report);
      },
    },
  };
}
