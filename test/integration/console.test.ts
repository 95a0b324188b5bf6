/**
 * The operator console in a real browser (Chromium via puppeteer-core), against the deployed
 * stack: the page is served by the HTTP API (GET /console), signs in with a dev token and talks
 * to the API and the broadcast WebSocket like an operator's browser. Each view is saved as a
 * screenshot under test/output/console/.
 */
import { randomUUID } from 'node:crypto';
import type { Browser } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../lib/registry/index.ts';
import { ConsoleTab, launchBrowser } from './support/browser.ts';
import { createLiveCampaign } from './support/campaigns.ts';
import { api } from './support/client.ts';
import { loadOutputs } from './support/outputs.ts';
import { userWithRetention } from './support/users.ts';

const tag = () => randomUUID().slice(0, 8);

let browser: Browser;
const tabs: ConsoleTab[] = [];

function consoleUrl(): string {
  const url = loadOutputs().consoleUrl;
  if (!url) throw new Error('outputs.json has no consoleUrl: is the console construct deployed?');
  return url;
}

/** A tab signed in with `token` through the `?token=` link, on `hash`. */
async function open(hash: string, token = loadOutputs().tokens.admin): Promise<ConsoleTab> {
  const tab = await ConsoleTab.open(browser, `${consoleUrl()}?token=${encodeURIComponent(token)}${hash}`);
  tabs.push(tab);
  return tab;
}

beforeAll(async () => {
  browser = await launchBrowser();
});

afterEach(async () => {
  // No page errors in any test: uncaught exceptions, console.error, failed loads.
  const problems = tabs.flatMap((t) => t.problems);
  await Promise.all(tabs.splice(0).map((t) => t.close()));
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe('console', () => {
  it('is served by the HTTP API: the page, its hashed files and its configuration', async () => {
    const page = await fetch(consoleUrl());
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const script = /src="\.\/console\/(app-\w+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${consoleUrl()}/${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const config = (await (await fetch(`${consoleUrl()}/config.json`)).json()) as {
      webSocket: { apiId: string; stage: string };
    };
    expect(loadOutputs().webSocketUrl).toContain(`/${config.webSocket.apiId}/${config.webSocket.stage}`);
    const missing = await fetch(`${consoleUrl()}/..%2F..%2Fetc%2Fpasswd`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('#/graph draws every service, the hubs as rails with no arrow to them; a focus lights up the neighbours; a click shows the impact analysis', async () => {
    const tab = await open('#/graph');
    const diagram = '[data-testid="kg-diagram"]';
    const svgText = await tab.waitForText(`${diagram} svg`, (t) => registry.every((s) => t.includes(s.name)));
    for (const s of registry) expect(svgText).toContain(s.name);
    // The token left the address bar (it stays in session storage).
    expect(tab.page.url()).not.toContain('token=');

    // Every service of the graph is drawn once: as a box, or as a rail.
    const kg = await api<{
      services: Record<string, { dependencies: string[]; integration_points: string[] }>;
    }>('GET', '/api/kg');
    const attr = (sel: string, name: string) =>
      tab.page.$$eval(sel, (els, n) => els.map((e) => e.getAttribute(n) ?? ''), name);
    const boxes = await attr(`${diagram} g.node`, 'data-service');
    const rails = await attr(`${diagram} g.rail`, 'data-rail');
    expect([...boxes, ...rails].sort()).toEqual(Object.keys(kg.body.services).sort());
    expect(rails).toContain('nexus');
    // The hubs are rails: each is linked to at least half of the other services…
    const links = Object.entries(kg.body.services).flatMap(([from, s]) =>
      [...s.dependencies, ...s.integration_points].map((to) => [from, to] as const),
    );
    const others = Object.keys(kg.body.services).length - 1;
    for (const rail of rails) {
      const linked = new Set(links.flatMap(([a, b]) => (a === rail ? [b] : b === rail ? [a] : [])));
      expect(linked.size, rail).toBeGreaterThanOrEqual(others / 2);
    }
    // …and no arrow is drawn to or from one: the arrows left are a fraction of the relations.
    const edges = await attr(`${diagram} path.edge`, 'data-edge');
    for (const e of edges) for (const end of e.split('->')) expect(rails).not.toContain(end);
    expect(edges.length).toBeGreaterThan(0);
    expect(edges.length).toBeLessThan(links.length / 2);
    // No two boxes overlap on the screen.
    const rects = await tab.page.$$eval(`${diagram} g.node > rect`, (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
      }),
    );
    for (const [i, a] of rects.entries())
      for (const b of rects.slice(i + 1))
        expect(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top).toBe(true);

    // The screenshot is of the drawn graph, not of its loading state.
    const shot = await tab.screenshot('graph', diagram);
    expect(shot.width).toBeGreaterThanOrEqual(600);
    expect(shot.height).toBeGreaterThanOrEqual(300);
    expect(await tab.page.$eval('main', (m) => m.textContent ?? '')).not.toMatch(
      /Loading the graph|Drawing the graph/,
    );
    await tab.screenshot('graph-page');

    // Pointing at campaign lights up its neighbours and draws its taps down to its rails.
    await tab.page.hover(`${diagram} g.node[data-service="campaign"]`);
    const taps = await attr(`${diagram} g.node[data-service="campaign"] g.tap`, 'data-tap');
    expect(taps.length).toBeGreaterThan(0);
    expect((await attr(`${diagram} g.drop`, 'data-drop')).sort()).toEqual(
      taps.map((r) => `campaign:${r}`).sort(),
    );
    const neighbours = new Set(
      links.flatMap(([a, b]) => (a === 'campaign' ? [b] : b === 'campaign' ? [a] : [])).concat('campaign'),
    );
    const classes = await tab.page.$$eval(`${diagram} g.node`, (els) =>
      els.map((e) => [e.getAttribute('data-service') ?? '', e.getAttribute('class') ?? ''] as const),
    );
    for (const [name, cls] of classes) expect(cls.includes('dim'), name).toBe(!neighbours.has(name));
    await tab.screenshot('graph-focus', diagram);

    // A click on a box (or its button below) shows the impact analysis.
    await tab.page.click(`${diagram} g.node[data-service="campaign"]`);
    const dependents = await tab.waitForText('[data-testid="direct-dependents"]', (t) => t.length > 0);
    const impact = await api<{ direct_dependents: string[] }>('GET', '/api/kg/impact/campaign');
    expect(dependents).toBe(impact.body.direct_dependents.join(', ') || 'none');
    await tab.page.locator('nav[aria-label="Services"] button ::-p-text(nexus)').click();
    await tab.waitForText('#service-title', (t) => t === 'Service nexus');
    await tab.waitForText('#history-title + table tbody', (t) => /\d/.test(t));
  });

  it('#/ask answers a question with its intent and facts, and a confirmed cancel ends the intent', async () => {
    const id = await userWithRetention('ask');
    const tab = await open('#/ask');
    const form = 'form[aria-label="Ask Tempora"]';
    const askIt = async (text: string) => {
      await tab.page.waitForSelector(`${form} input[name="question"]`);
      await tab.fill(`${form} input[name="question"]`, text);
      await tab.page.locator(`${form} button[type="submit"]`).click();
      return tab.waitForText('[data-testid="ask-answer"]', (t) => t.length > 0 && t !== previous);
    };
    let previous = '';
    previous = await askIt(`what will happen to user ${id}?`);
    expect(await tab.waitForText('[data-testid="ask-intent"]', (t) => t.length > 0)).toBe('entity.future');
    expect(previous).toMatch(new RegExp(`^user ${id} has 1 pending intent: delete \\(retention\\)`));
    const facts = await tab.waitForText(
      '[data-testid="ask-facts"] table[data-kind="intent"]',
      (t) => t.length > 0,
    );
    expect(facts).toContain('scheduled');
    expect(facts).toContain('user.reactivated');

    previous = await askIt(`cancel the retention of user ${id}`);
    expect(await tab.waitForText('[data-testid="ask-intent"]', (t) => t === 'intent.cancel')).toBe(
      'intent.cancel',
    );
    // Proposed, not performed: the intent is still scheduled.
    const intents = () =>
      api<{ items: Array<{ status: string; pattern: string }> }>(
        'GET',
        `/api/scheduler/intents?entity_id=${id}`,
      );
    expect((await intents()).body.items.find((i) => i.pattern === 'retention')?.status).toBe('scheduled');
    const action = '[data-testid="ask-actions"] li[data-action="cancel_intent"]';
    expect(await tab.waitForText(action, (t) => t.length > 0)).toContain('DELETE /api/scheduler/intents/');
    await tab.page.locator(`${action} button ::-p-text(Confirm)`).click();
    const result = await tab.waitForText('[data-testid="ask-result"]', (t) => t.length > 0);
    expect(result).toMatch(/^Done: Cancel the delete \(retention\).*\(HTTP 200\)$/);
    expect((await intents()).body.items.find((i) => i.pattern === 'retention')?.status).toBe('cancelled');
    // The button is spent: the token works once.
    expect(await tab.page.$eval(`${action} button`, (b) => b.hasAttribute('disabled'))).toBe(true);
    await tab.screenshot('ask');
  });

  it('#/campaigns/<id> shows a posted score, then its update, live over the WebSocket without a reload', async () => {
    const id = await createLiveCampaign(`Console live ${tag()}`);
    const tab = await open(`#/campaigns/${id}`);
    // Frames arrive: seq is a number and the campaign is on the air.
    await tab.waitForText('[data-testid="seq"]', (t) => /^\d+$/.test(t), 60_000);
    await tab.waitForText('[data-testid="on-air"]', (t) => t === 'on air');
    await tab.page.evaluate(() => {
      (globalThis as unknown as { marker: string }).marker = 'no reload';
    });

    // An admin posts a score with the page's form…
    const player = `ada-${tag()}`;
    await tab.fill('form[aria-label="Post a score"] input[name="user"]', player);
    await tab.fill('form[aria-label="Post a score"] input[name="delta"]', '3');
    await tab.page.locator('form[aria-label="Post a score"] button[type="submit"]').click();
    const row = `[data-testid="leaderboard"] tr[data-user="${player}"] td.num`;
    await tab.waitForText(row, (t) => t === '3', 10_000);

    // …then another client changes it: the row updates within a few seconds, no reload.
    const posted = await api('POST', `/api/campaigns/${id}/scores`, { body: { user: player, delta: 4 } });
    expect(posted.status, posted.text).toBe(200);
    await tab.waitForText(row, (t) => t === '7', 5_000);
    expect(await tab.page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe(
      'no reload',
    );
    const participants = await tab.waitForText('[data-testid="participants"]', (t) => /^\d+$/.test(t));
    expect(Number(participants)).toBeGreaterThanOrEqual(1);
    // A new player joins the board in the order of the scores.
    const second = `grace-${tag()}`;
    expect(
      (await api('POST', `/api/campaigns/${id}/scores`, { body: { user: second, delta: 12 } })).status,
    ).toBe(200);
    const board = await tab.waitForText(
      '[data-testid="leaderboard"] tbody',
      (t) => t.includes(second),
      5_000,
    );
    expect(board.indexOf(second)).toBeLessThan(board.indexOf(player));
    await tab.screenshot('campaign');
  });

  it('#/entities/<type>/<id> lists a fresh intent as scheduled, and the audit trail', async () => {
    const created = await api<{ id: string }>('POST', '/api/campaigns', {
      body: { name: `Console ${tag()}` },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const intent = await api<{ id: string; status: string }>('POST', '/api/scheduler/intents', {
      body: {
        action: 'archive',
        run_at: new Date(Date.now() + 3_600_000).toISOString(),
        pattern: 'console-test',
        cancel_on: ['campaign.extended'],
        entity: { type: 'campaign', id },
      },
    });
    expect(intent.status, intent.text).toBe(202);
    const tab = await open(`#/entities/campaign/${id}`);
    const status = await tab.waitForText(
      `[data-testid="intents"] tr[data-intent="${intent.body.id}"] .status`,
      (t) => t.length > 0,
    );
    expect(status).toBe('scheduled');
    await tab.waitForText('[data-testid="entity-json"]', (t) => t.includes(id));
    // The audit consumer records the campaign's creation: the page shows it on its own refresh.
    await tab.waitForText('[data-testid="audit"]', (t) => t.includes('campaign.created'), 30_000);
    await tab.screenshot('entity');
  });

  it('#/intents searches across entities, counts by pattern, reschedules and cancels after a confirm', async () => {
    const pattern = `console-${tag()}`;
    const made: Array<{ id: string; run_at: string }> = [];
    for (let n = 0; n < 2; n++) {
      const c = await api<{ id: string }>('POST', '/api/campaigns', { body: { name: `Console ${tag()}` } });
      expect(c.status, c.text).toBe(201);
      const r = await api<{ id: string; run_at: string }>('POST', '/api/scheduler/intents', {
        body: {
          action: 'archive',
          run_at: new Date(Date.now() + (3 + n) * 3_600_000).toISOString(),
          pattern,
          entity: { type: 'campaign', id: c.body.id },
        },
      });
      expect(r.status, r.text).toBe(202);
      made.push(r.body);
    }
    const [first, second] = made as [{ id: string; run_at: string }, { id: string; run_at: string }];
    const tab = await open(`#/intents?pattern=${pattern}`);
    // The summary counts them under their pattern; the search lists both, soonest first.
    await tab.waitForText(`[data-testid="summary"] tr[data-pattern="${pattern}"]`, (t) => t.includes('2'));
    const rows = await tab.waitForText('[data-testid="intents"] tbody', (t) => t.includes('deferred'));
    expect(rows).toContain('campaign/');
    expect(
      await tab.page.$$eval('[data-testid="intents"] tbody tr', (trs) =>
        trs.map((tr) => tr.getAttribute('data-intent')),
      ),
    ).toEqual([first.id, second.id]);

    // Reschedule the first one hour later: confirm, then the row shows generation 2 and the new time.
    const row = (id: string) => `[data-testid="intents"] tr[data-intent="${id}"]`;
    await tab.page.locator(`${row(first.id)} button[data-action="reschedule"]`).click();
    const later = new Date(Date.parse(first.run_at) + 3_600_000);
    const local = new Date(later.getTime() - later.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await tab.fill(`${row(first.id)} input[name="run_at"]`, local);
    await tab.page.locator(`${row(first.id)} button[data-action="confirm-reschedule"]`).click();
    await tab.waitForText(`${row(first.id)} td.num`, (t) => t === '2');
    const moved = await api<{ items: Array<{ id: string; generation: number; run_at: string }> }>(
      'GET',
      `/api/scheduler/intents?pattern=${pattern}`,
    );
    const again = moved.body.items.find((i) => i.id === first.id);
    expect(again?.generation).toBe(2);
    expect(Date.parse(again?.run_at ?? '')).toBe(Math.floor(later.getTime() / 60_000) * 60_000);

    // Cancel the second: asked first, nothing sent until confirmed.
    await tab.page.locator(`${row(second.id)} button[data-action="cancel"]`).click();
    await tab.waitForText(`${row(second.id)} fieldset.confirm`, (t) => t.includes('Cancel this intent?'));
    expect(
      (
        await api<{ items: Array<{ id: string; status: string }> }>(
          'GET',
          `/api/scheduler/intents?pattern=${pattern}`,
        )
      ).body.items.find((i) => i.id === second.id)?.status,
    ).toBe('scheduled');
    await tab.page.locator(`${row(second.id)} button[data-action="confirm-cancel"]`).click();
    await tab.waitForText(`${row(second.id)} .status`, (t) => t === 'cancelled');
    await tab.screenshot('intents');
  });

  it('#/policies: an admin edits a row and sees the validation error next to the bad field', async () => {
    const tab = await open('#/policies');
    tab.expectStatus(400);
    const row = 'tr[data-policy="user/dev/user"]';
    await tab.waitForText(row, (t) => t.includes('user/dev/user'));
    await tab.fill(`${row} input[name="retention"]`, 'soon');
    await tab.page.locator(`${row} button[type="submit"]`).click();
    const message = await tab.waitForText(`${row} .field-error[data-field="retention"]`, (t) => t.length > 0);
    expect(message).toMatch(/ISO 8601/);
    expect(
      await tab.page.$eval(`${row} input[name="retention"]`, (el) => el.getAttribute('aria-invalid')),
    ).toBe('true');
    // The row was not changed.
    const after = await api<{ items: Array<{ id: string; retention: string }> }>(
      'GET',
      '/api/policies?environment=dev',
    );
    expect(after.body.items.find((p) => p.id === 'user/dev/user')?.retention).toBe('P90D');
    await tab.screenshot('policies');
  });

  it('signs in with a pasted token; a user token sees the refusal shown, not a blank page', async () => {
    const tab = await ConsoleTab.open(browser, `${consoleUrl()}#/policies`);
    tabs.push(tab);
    tab.expectStatus(403);
    await tab.fill('textarea#token', loadOutputs().tokens.user);
    await tab.page.locator('form[aria-label="Sign in"] button[type="submit"]').click();
    expect(await tab.waitForText('[data-testid="role"]', (t) => t.length > 0)).toBe('user');
    const alert = await tab.waitForText('main [role="alert"]', (t) => t.includes('403'));
    expect(alert).toContain('forbidden');
    await tab.screenshot('signed-in-as-user');
  });
});
