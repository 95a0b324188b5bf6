/**
 * HTTP routes of the broadcast service (lib/registry/platform.ts):
 * - `POST /api/campaigns/{id}/scores` `{ user, delta, scores? }` (named counters) → 200 `{ campaign_id, user, score }`:
 *   admins and services update anyone's score, a user only their own; 404 for an unknown
 *   campaign; the update is atomic and emits `campaign.score`.
 * - `GET /api/broadcast/health` (public): the service's tables.
 */
import type { Routes } from '../edge/http-types.ts';
import { json } from '../edge/response.ts';
import { forbidden, notFound, toFieldIssues, validationError } from '../errors.ts';
import type { HealthReport } from '../health.ts';
import { scoreBodySchema } from '../registry/schemas-live.ts';
import { CAMPAIGN_ID_RE, type CampaignReader } from './campaigns.ts';
import type { LeaderboardStore } from './leaderboard.ts';

export { scoreBodySchema };

export interface BroadcastHttpDeps {
  campaigns: CampaignReader;
  leaderboard: Pick<LeaderboardStore, 'add'>;
  health: () => Promise<HealthReport>;
}

export function broadcastRoutes(deps: BroadcastHttpDeps): Routes {
  return {
    'POST /api/campaigns/{id}/scores': {
      handler: async (req) => {
        const id = req.params.id ?? '';
        if (!CAMPAIGN_ID_RE.test(id))
          throw validationError([{ path: 'path.id', message: 'must be a campaign id' }]);
        const body = scoreBodySchema.safeParse(req.body ?? {});
        if (!body.success) throw validationError(toFieldIssues(body.error.issues));
        const principal = req.principal;
        if (!principal) throw new Error('route requires a principal');
        if (principal.role === 'user' && body.data.user !== principal.sub)
          throw forbidden('A user may only change their own score', { user: body.data.user });
        if (!(await deps.campaigns.get(id, true))) throw notFound(`Campaign "${id}" not found`);
        const score = await deps.leaderboard.add(
          id,
          body.data.user,
          body.data.delta,
          { actor: principal, correlationId: req.correlationId, via: 'http' },
          body.data.scores,
        );
        return json(200, { campaign_id: id, user: body.data.user, score });
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
