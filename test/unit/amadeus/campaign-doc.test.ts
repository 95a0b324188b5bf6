/**
 * The campaign scaffold (lib/amadeus/campaign-doc.ts): the seven parts in order, each filled
 * from the registry and the knowledge graph rather than left as a placeholder; the check that
 * names a missing part; slugs and the feature → services plan.
 */
import { describe, expect, it } from 'vitest';
import {
  CAMPAIGN_DOC_PARTS,
  CAMPAIGN_DOC_RE,
  planCampaign,
  readCampaignDoc,
  renderCampaignDoc,
  slugOf,
} from '../../../lib/amadeus/campaign-doc.ts';
import { allServices, buildGraph } from '../../../lib/amadeus/index.ts';

const graph = buildGraph(allServices());
const render = (features: string[], campaignId?: string) =>
  renderCampaignDoc({
    number: 7,
    title: 'Spring quiz',
    slug: 'spring-quiz',
    features,
    graph,
    ...(campaignId ? { campaignId } : {}),
  });

/** The body of each `## n. Title` part, by number (1–7), and the headings in document order. */
function parts(doc: string): { headings: string[]; body: Map<number, string> } {
  const headings: string[] = [];
  const body = new Map<number, string>();
  const chunks = doc.split(/^## /m).slice(1);
  for (const c of chunks) {
    const [heading = '', ...rest] = c.split('\n');
    headings.push(heading);
    body.set(Number(heading.split('.')[0]), rest.join('\n').trim());
  }
  return { headings, body };
}

describe('the campaign scaffold', () => {
  const doc = render(['broadcast', 'leaderboard', 'quiz'], 'cmp_01ABC');
  const { headings, body } = parts(doc);

  it('has the seven parts, in order, each with content and no placeholder', () => {
    expect(headings).toEqual(CAMPAIGN_DOC_PARTS.map((t, i) => `${i + 1}. ${t}`));
    expect(headings).toHaveLength(7);
    for (const [n, text] of body) {
      expect(text.length, `part ${n}`).toBeGreaterThan(40);
      expect(text, `part ${n}`).not.toMatch(/TODO|TBD|lorem|<fill|\.\.\.$/i);
    }
    expect(doc).toMatch(/^# 007 — Spring quiz\n/);
    expect(doc).toContain('Campaign id: cmp_01ABC');
    expect(readCampaignDoc(doc)).toEqual({ campaignId: 'cmp_01ABC', missing: [] });
  });

  it('1: a user story per feature, an unknown one pointing at part 7', () => {
    expect(body.get(1)).toContain('As a participant, I get campaign state pushed live');
    expect(body.get(1)).toContain('`quiz` (not provided yet: see part 7)');
  });

  it('2: each service the features need, with its description and capabilities from the graph', () => {
    const services = planCampaign(['broadcast', 'leaderboard', 'quiz']).services;
    expect(services).toEqual(['broadcast', 'campaign', 'nexus', 'scheduler', 'security']);
    for (const s of services) {
      const node = graph.services[s];
      expect(body.get(2)).toContain(`\`${s}\`: ${node?.description}`);
      expect(body.get(2)).toContain(`Capabilities: ${node?.capabilities.join(', ')}`);
    }
    expect(body.get(2)).not.toContain('`user`');
  });

  it('3: the WebSocket join flow when broadcast is on, REST only when it is not', () => {
    expect(body.get(3)).toMatch(/WebSocket join flow: connect to `webSocketUrl`.*campaign_id=<id>/);
    const quiet = parts(render(['referral'])).body.get(3);
    expect(quiet).toContain('WebSocket: not used');
    expect(quiet).toContain('REST: `Authorization: Bearer <JWT>`');
  });

  it('6: the routes with their roles, and the events emitted and consumed', () => {
    const six = body.get(6) ?? '';
    expect(six).toContain('`POST /api/campaigns` (admin, service) — campaign');
    expect(six).toContain('`POST /api/campaigns/{id}/scores` (user, admin, service) — broadcast');
    expect(six).toContain('`GET /api/campaigns/health` (public) — campaign');
    // Broadcast's own routes that are not about campaigns stay out.
    expect(six).not.toMatch(/`[A-Z]+ \/api\/broadcast/);
    expect(six).toMatch(/Events emitted: .*`campaign\.created`.*`scheduler\.cancelled`/);
    expect(six).toMatch(/Events consumed: .*`campaign\.updated`/);
  });

  it('7: each feature mapped to its services, an unknown one a new requirement', () => {
    expect(body.get(7)).toContain('`broadcast` → `campaign`, `broadcast`');
    expect(body.get(7)).toContain('`quiz` → no service provides it: **new requirement**');
    expect(body.get(7)).toContain('always → `campaign`, `scheduler`, `security`, `nexus`');
    expect(body.get(5)).toContain('Build or find the services for: `quiz`.');
  });

  it('check names each missing part, and a doc without an id', () => {
    const without = doc.replace(/^## 4\. .*$/m, '## 4. Something else');
    expect(readCampaignDoc(without).missing).toEqual(['4. Extensibility and reproducibility']);
    const noId = render(['broadcast']);
    expect(readCampaignDoc(noId).campaignId).toBeUndefined();
    expect(readCampaignDoc('# nothing').missing).toHaveLength(7);
  });

  it('is the same for the same input', () => {
    expect(render(['broadcast', 'leaderboard', 'quiz'], 'cmp_01ABC')).toBe(doc);
  });
});

describe('slugs and file names', () => {
  it('slugs titles to lower-case ASCII and dashes, at most 48 characters; nothing for no letters', () => {
    expect(slugOf('Summer launch!')).toBe('summer-launch');
    expect(slugOf('  Été à Paris — 2030 ')).toBe('ete-a-paris-2030');
    expect(slugOf('!!! ???')).toBe('');
    expect(slugOf('a'.repeat(60)).length).toBe(48);
    expect(CAMPAIGN_DOC_RE.test('001_summer-launch.md')).toBe(true);
    expect(CAMPAIGN_DOC_RE.test('1_summer.md')).toBe(false);
  });
});
