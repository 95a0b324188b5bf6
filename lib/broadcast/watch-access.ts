/**
 * Who may watch a live campaign — one rule for `GET /api/campaigns/{id}/live`, the WebSocket
 * `$connect` and the Event API's authorizer, so both transports admit the same people:
 *
 * - a valid Tempora token (./live-token.ts: an API token, or a live token for this campaign:
 *   a live token for another campaign is refused, 403);
 * - of a role that may connect (user, admin, service: every role; a role the registry gives no
 *   read of campaigns has none);
 * - that the policy matrix does not keep away from campaigns (`access: internal` for its role
 *   and the stack's environment: 403, as for any read). Watching shows the campaign's live
 *   summary (leaderboard, participants, frequency), not an entity a user owns, so
 *   `self+admin` does not restrict it: audiences watch campaigns they do not own;
 * - and the campaign exists (404).
 */
import type { Principal } from '../auth/tokens.ts';
import { forbidden, notFound } from '../errors.ts';
import { checkAccess } from '../policy/apply.ts';
import type { ResolvedPolicy } from '../policy/matrix.ts';
import type { Watcher } from './live-token.ts';
import type { CampaignSnapshot } from './phase.ts';

/** The policy-matrix category of campaigns (the campaign service's `category` in the registry). */
export const CAMPAIGN_CATEGORY = 'campaign';

export interface WatchDeps {
  environment: string;
  loadCampaign: (campaignId: string) => Promise<CampaignSnapshot | undefined>;
  resolvePolicy: (key: {
    role: Principal['role'];
    environment: string;
    category: string;
  }) => Promise<ResolvedPolicy>;
}

/** The campaign, when `watcher` may watch it; a 403 or 404 TemporaError otherwise. */
export async function mayWatch(
  watcher: Watcher,
  campaignId: string,
  deps: WatchDeps,
): Promise<CampaignSnapshot> {
  if (watcher.campaign !== undefined && watcher.campaign !== campaignId)
    throw forbidden(`This live token is for campaign "${watcher.campaign}", not "${campaignId}"`, {
      rule: 'live-token:campaign',
    });
  const [policy, campaign] = await Promise.all([
    deps.resolvePolicy({
      role: watcher.role,
      environment: deps.environment,
      category: CAMPAIGN_CATEGORY,
    }),
    deps.loadCampaign(campaignId),
  ]);
  checkAccess(policy, watcher, undefined);
  if (campaign === undefined) throw notFound(`Campaign "${campaignId}" not found`);
  return campaign;
}
