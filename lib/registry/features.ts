/**
 * Campaign features (`metadata.features`) and the services each one needs: what
 * `tempora campaign new --features …` maps a campaign onto (lib/amadeus/campaign-doc.ts). A
 * feature missing here is a new requirement, and the scaffold says so.
 */
export interface CampaignFeature {
  services: readonly string[];
  summary: string;
}

export const CAMPAIGN_FEATURES: Readonly<Record<string, CampaignFeature>> = {
  broadcast: {
    services: ['campaign', 'broadcast'],
    summary: 'campaign state pushed live to every WebSocket client at scheduling.frequency Hz',
  },
  leaderboard: {
    services: ['campaign', 'broadcast'],
    summary: 'scores and named counters, ranked by score or by service_specific.campaign.ranking.formula',
  },
  referral: { services: ['referral', 'user'], summary: 'referral codes and rewards for participants' },
  notification: { services: ['notification'], summary: 'notifications sent by feature rules' },
  localization: { services: ['localization'], summary: 'translations of the campaign texts' },
  search: { services: ['search'], summary: 'the campaign findable by word, prefix and typo' },
  analytics: { services: ['analytics'], summary: 'daily counters of the campaign’s events' },
  commerce: { services: ['commerce'], summary: 'orders and prices' },
  content: { services: ['content', 'moderation'], summary: 'posts and their moderation' },
};

/** What every campaign uses, whatever its features: its entity, its schedule and its audit. */
export const CAMPAIGN_BASE_SERVICES: readonly string[] = ['campaign', 'scheduler', 'security', 'nexus'];
