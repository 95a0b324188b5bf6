/**
 * Campaign scaffolding (the Amadeus notes; docs/campaign.md): a numbered document
 * `docs/campaign/NNN_<slug>.md` with seven required parts, filled from the registry and the
 * knowledge graph, and the check that a document has them. Pure: no file or network access.
 */
import { CAMPAIGN_BASE_SERVICES, CAMPAIGN_FEATURES } from '../registry/features.ts';
import { allRoutes, routeKey } from '../registry/index.ts';
import type { KnowledgeGraph } from './types.ts';

/** The seven parts, in order: `## <n>. <title>` in the document. */
export const CAMPAIGN_DOC_PARTS = [
  'Overview and user stories',
  'Backend functionality and services responsible',
  'Frontend–backend communication (REST, WebSocket)',
  'Extensibility and reproducibility',
  'Implementation notes and next steps',
  'Campaign API endpoints and event types',
  'Mapping to existing services and new requirements',
] as const;

/** The knowledge-graph pattern campaign docs enter their campaigns under (`metadata.knowledge_graph.pattern`). */
export const CAMPAIGN_DOC_PATTERN = 'campaign-docs';

/** A campaign doc's file name: `NNN_<slug>.md`. */
export const CAMPAIGN_DOC_RE = /^(\d{3})_([a-z0-9][a-z0-9-]*)\.md$/;

/** `Summer launch!` → `summer-launch` (lower case, ASCII letters and digits, dashes; ≤ 48). */
export function slugOf(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
}

export interface CampaignPlan {
  features: string[];
  /** Services the campaign uses, sorted: the base ones and each known feature's. */
  services: string[];
  /** Features no service provides: new requirements. */
  unknown: string[];
}

export function planCampaign(features: readonly string[]): CampaignPlan {
  const known = features.filter((f) => Object.hasOwn(CAMPAIGN_FEATURES, f));
  const services = new Set(CAMPAIGN_BASE_SERVICES);
  for (const f of known) for (const s of CAMPAIGN_FEATURES[f]?.services ?? []) services.add(s);
  return {
    features: [...features],
    services: [...services].sort(),
    unknown: features.filter((f) => !known.includes(f)),
  };
}

export interface CampaignDocInput {
  number: number;
  title: string;
  slug: string;
  features: readonly string[];
  /** The campaign entity's id, when it exists (a dry run has none yet). */
  campaignId?: string;
  pattern?: string;
  graph: KnowledgeGraph;
}

const bullets = (items: readonly string[], none = '- none') =>
  items.length === 0 ? none : items.map((i) => `- ${i}`).join('\n');

/** The document's Markdown: a title, the campaign's identity lines, then the seven parts. */
export function renderCampaignDoc(input: CampaignDocInput): string {
  const plan = planCampaign(input.features);
  const g = input.graph;
  const nodes = plan.services.map((s) => g.services[s]).filter((n) => n !== undefined);
  const roles = new Map(
    allRoutes().map((r) => [routeKey(r), r.public ? 'public' : (r.roles ?? []).join(', ')]),
  );
  const campaignRoutes = (s: string) =>
    (g.services[s]?.routes ?? []).filter((r) => s !== 'broadcast' || r.includes('/api/campaigns'));
  const routes = plan.services.flatMap((s) =>
    campaignRoutes(s).map((r) => `\`${r}\` (${roles.get(r) ?? 'see docs/api.md'}) — ${s}`),
  );
  const emits = [...new Set(nodes.flatMap((n) => n.events.emits))].sort();
  const consumes = [...new Set(nodes.flatMap((n) => n.events.consumes))].sort();
  const live = plan.features.includes('broadcast');
  const pad = String(input.number).padStart(3, '0');
  const parts = [
    [
      `**${input.title}** is campaign ${pad} of this platform, with the features ${plan.features.length ? plan.features.map((f) => `\`${f}\``).join(', ') : '(none)'}.`,
      '',
      bullets(
        plan.features.map(
          (f) =>
            `As a participant, I get ${CAMPAIGN_FEATURES[f]?.summary ?? `\`${f}\` (not provided yet: see part 7)`}.`,
        ),
        '- As an operator, I create, schedule and archive the campaign.',
      ),
      '- As an operator, I see the campaign, its intents and its audit trail in the console.',
    ].join('\n'),
    [
      'Services this campaign uses (from the registry and the knowledge graph):',
      '',
      bullets(
        nodes.map(
          (n) => `\`${n.name}\`: ${n.description} Capabilities: ${n.capabilities.join(', ') || 'none'}.`,
        ),
      ),
    ].join('\n'),
    [
      '- REST: `Authorization: Bearer <JWT>` on every route of part 6; JSON in and out; `Idempotency-Key` on creates.',
      live
        ? '- WebSocket join flow: connect to `webSocketUrl` (`.local/outputs.json`) with `?campaign_id=<id>&user_id=<user>&token=<jwt>`; receive `campaign.state` frames at `scheduling.frequency` Hz with the leaderboard; send `{"action":"score","delta":1}` and `{"action":"ping"}` (docs/broadcast.md).'
        : '- WebSocket: not used (the campaign has no `broadcast` feature).',
      '- The operator console shows the campaign at `#/campaigns/<id>` and its story at `#/entities/campaign/<id>`.',
    ].join('\n'),
    [
      '- Everything above is derived: `npx tempora campaign new` regenerates it from the registry, so a change of the services shows in the next campaign.',
      `- The campaign is entered in the knowledge graph under the pattern \`${input.pattern ?? CAMPAIGN_DOC_PATTERN}\` with an edge to each service it uses; \`npx tempora campaign check\` verifies docs and graph agree.`,
      '- Its behaviour is metadata (features, scheduling, service_specific.campaign): another campaign with the same metadata behaves the same.',
    ].join('\n'),
    [
      '- Set `scheduling.start_time`, `end_time` and `frequency`, then `service_specific.campaign.broadcast_enabled: true` to go on the air.',
      '- Optionally rank the leaderboard with `service_specific.campaign.ranking.formula` (docs/broadcast.md).',
      ...(plan.unknown.length
        ? [`- Build or find the services for: ${plan.unknown.map((f) => `\`${f}\``).join(', ')}.`]
        : []),
    ].join('\n'),
    [
      'Routes (with the roles that may call them):',
      '',
      bullets(routes),
      '',
      `Events emitted: ${emits.map((e) => `\`${e}\``).join(', ') || 'none'}.`,
      '',
      `Events consumed: ${consumes.map((e) => `\`${e}\``).join(', ') || 'none'}.`,
    ].join('\n'),
    [
      bullets(
        plan.features.map((f) =>
          CAMPAIGN_FEATURES[f]
            ? `\`${f}\` → ${CAMPAIGN_FEATURES[f].services.map((s) => `\`${s}\``).join(', ')}`
            : `\`${f}\` → no service provides it: **new requirement**`,
        ),
        '- no feature: the base services only',
      ),
      `- always → ${[...CAMPAIGN_BASE_SERVICES].map((s) => `\`${s}\``).join(', ')}`,
    ].join('\n'),
  ];
  return [
    `# ${pad} — ${input.title}`,
    '',
    `Campaign id: ${input.campaignId ?? '(assigned when the campaign is created)'}`,
    `Knowledge graph pattern: ${input.pattern ?? CAMPAIGN_DOC_PATTERN}`,
    `Services: ${plan.services.join(', ')}`,
    '',
    ...parts.flatMap((body, i) => [`## ${i + 1}. ${CAMPAIGN_DOC_PARTS[i]}`, '', body, '']),
  ].join('\n');
}

/** What a campaign doc says of itself, and which of the seven parts it lacks. */
export function readCampaignDoc(text: string): { campaignId: string | undefined; missing: string[] } {
  const id = /^Campaign id: ([A-Za-z0-9_-]{1,128})\s*$/m.exec(text)?.[1];
  const missing = CAMPAIGN_DOC_PARTS.filter(
    (title, i) => !new RegExp(`^## ${i + 1}\\. ${title.replace(/[()]/g, '\\$&')}\\s*$`, 'm').test(text),
  ).map((title) => `${CAMPAIGN_DOC_PARTS.indexOf(title) + 1}. ${title}`);
  return { campaignId: id, missing };
}
