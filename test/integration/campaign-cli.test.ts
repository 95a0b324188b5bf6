/**
 * `npx tempora campaign new` then `campaign check`, run as a user would (the real command, in a
 * project directory of its own) against the deployed stack: the doc is written with its seven
 * parts, the campaign is created with matching metadata and enters the knowledge graph, `check`
 * passes; deleting the doc makes `check` fail naming it. The doc and the campaign are removed
 * afterwards. A pattern of its own keeps it apart from any other campaign doc on the stack.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readCampaignDoc } from '../../lib/amadeus/campaign-doc.ts';
import { api, eventually } from './support/client.ts';
import { runCommand } from './support/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'tempora-campaign-'));
const tag = Date.now().toString(36);
const pattern = `it-campaign-docs-${tag}`;
const created: string[] = [];

const tempora = (...args: string[]) =>
  runCommand(process.execPath, [join(root, 'bin/tempora.mjs'), ...args], { cwd: project });
const check = () => tempora('campaign', 'check', '--pattern', pattern);

afterAll(async () => {
  for (const id of created) {
    const r = await api('DELETE', `/api/campaigns/${id}`);
    expect([200, 204, 404], r.text).toContain(r.status);
  }
  rmSync(project, { recursive: true, force: true });
});

describe('npx tempora campaign new | check', () => {
  it('new writes the doc and the campaign, check passes; without the doc, check fails naming it', async () => {
    const title = `Spring quiz ${tag}`;
    const made = await tempora(
      'campaign',
      'new',
      title,
      '--features',
      'broadcast,leaderboard',
      '--pattern',
      pattern,
    );
    expect(made.code, made.output).toBe(0);
    const [file = '', line = ''] = made.stdout.trim().split('\n');
    const doc = join('docs', 'campaign', `001_spring-quiz-${tag}.md`);
    expect(file).toBe(doc);
    const id = /^campaign (\S+) \(pattern /.exec(line)?.[1] as string;
    expect(id, made.stdout).toBeDefined();
    created.push(id);

    // The doc has its seven parts and names its campaign…
    const text = readFileSync(join(project, doc), 'utf8');
    expect(readCampaignDoc(text)).toEqual({ campaignId: id, missing: [] });
    // …and the campaign carries matching metadata.
    const campaign = await api<{ name: string; metadata: Record<string, Record<string, unknown>> }>(
      'GET',
      `/api/campaigns/${id}`,
    );
    expect(campaign.status, campaign.text).toBe(200);
    expect(campaign.body.name).toBe(title);
    expect(campaign.body.metadata.features).toEqual(['broadcast', 'leaderboard']);
    expect(campaign.body.metadata.knowledge_graph).toMatchObject({ pattern });
    expect(campaign.body.metadata.service_specific).toMatchObject({ campaign: { doc } });

    // The knowledge graph takes the campaign from its event: check passes once it has.
    const passed = await eventually(
      async () => {
        const r = await check();
        return r.code === 0 ? r : undefined;
      },
      30_000,
      'campaign check to pass',
    );
    expect(passed.stdout).toBe(
      `1 campaign doc(s) in ${join('docs', 'campaign')}, each with its seven parts, match the knowledge graph.\n`,
    );

    rmSync(join(project, doc));
    const failed = await check();
    expect(failed.code, failed.output).toBe(1);
    expect(failed.stderr).toContain(`${doc}: no such doc in ${join('docs', 'campaign')}, but campaign ${id}`);
    expect(failed.stdout).toBe('');
    expect(existsSync(join(project, doc))).toBe(false);
  });
});
