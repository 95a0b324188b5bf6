/**
 * `tempora campaign new "<title>" [--features a,b] [--dry-run]` and `tempora campaign check`
 * (docs/campaign.md): numbered campaign docs with seven parts, the campaign entity, and the
 * campaign in the knowledge graph (pattern edges), kept in agreement.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  allServices,
  buildGraph,
  CAMPAIGN_DOC_PATTERN,
  CAMPAIGN_DOC_RE,
  planCampaign,
  readCampaignDoc,
  renderCampaignDoc,
  slugOf,
} from '../lib/amadeus/index.ts';
import { loadLocalConfig } from '../localstack/config.ts';
import { readLocalOutputs } from '../localstack/outputs.ts';
import { type CliIo, runCommand, UsageError } from './command.ts';

export const CAMPAIGN_HELP = `Usage: tempora campaign new "<title>" [--features broadcast,leaderboard,…] [--dry-run]
       tempora campaign check

  new     writes the next docs/campaign/NNN_<slug>.md with its seven parts (filled from the
          registry and the knowledge graph), creates the campaign on the local stack with
          matching metadata and enters it in the knowledge graph; --dry-run prints the doc
          and writes nothing
  check   every doc has its seven parts, every doc's campaign is in the knowledge graph,
          every campaign of the graph has a doc (exit 1 naming each mismatch)

Options:
  --features <a,b>   campaign features (broadcast, leaderboard, referral, notification, …)
  --dry-run          new: print, write nothing
  --dir <path>       where the docs are (default docs/campaign)
  --pattern <name>   knowledge-graph pattern of campaign docs (default ${CAMPAIGN_DOC_PATTERN})
  -h, --help         this text

Reads the local stack as "npm run local" left it (.local/outputs.json).
Exit codes: 0 ok, 1 check found mismatches or the stack refused, 2 usage error.
`;

const CAMPAIGN = {
  name: 'campaign',
  help: CAMPAIGN_HELP,
  positionals: true,
  options: {
    features: { type: 'string', default: '' },
    'dry-run': { type: 'boolean', default: false },
    dir: { type: 'string', default: join('docs', 'campaign') },
    pattern: { type: 'string', default: CAMPAIGN_DOC_PATTERN },
  },
} as const;

/** The local stack as a client: base URL and the admin dev token. */
function localApi() {
  const outputs = readLocalOutputs(loadLocalConfig().paths.outputsFile);
  return async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${outputs.httpApiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${outputs.tokens.admin}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.trim()}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

const docsIn = (dir: string): Array<{ file: string; number: number }> => {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((file) => ({ file, m: CAMPAIGN_DOC_RE.exec(file) }))
    .filter((d) => d.m)
    .map((d) => ({ file: d.file, number: Number(d.m?.[1]) }))
    .sort((a, b) => a.number - b.number);
};

/** An exclusive lock on the docs directory (mkdir is atomic), so two runs never take one number. */
async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock left by a run that died is older than any run takes.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 120_000) rmSync(lock, { force: true, recursive: true });
      if (Date.now() > deadline)
        throw new Error(`${lock} is held by another run (remove it if none is running)`);
      await sleep(50 + Math.random() * 100);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
}

export function runCampaignCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(CAMPAIGN, argv, io, async ({ values, positionals }) => {
    const [command, ...rest] = positionals;
    const dir = values.dir;
    if (command === 'new') {
      if (rest.length !== 1) throw new UsageError('campaign new takes one title (quote it).');
      const title = (rest[0] as string).trim();
      const slug = slugOf(title);
      if (!slug) throw new UsageError(`The title "${title}" slugs to nothing: use letters or digits.`);
      const features = values.features
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean);
      const bad = features.find((f) => !/^[a-z][a-z0-9_-]{0,31}$/.test(f));
      if (bad)
        throw new UsageError(
          `--features: "${bad}" is not a feature name (lower-case letters, digits, - and _).`,
        );
      const graph = buildGraph(allServices());
      const plan = planCampaign(features);
      if (values['dry-run']) {
        const next = (docsIn(dir).at(-1)?.number ?? 0) + 1;
        io.out(renderCampaignDoc({ number: next, title, slug, features, pattern: values.pattern, graph }));
        return 0;
      }
      const api = localApi();
      mkdirSync(dir, { recursive: true });
      return withLock(dir, async () => {
        const number = (docsIn(dir).at(-1)?.number ?? 0) + 1;
        const file = join(dir, `${String(number).padStart(3, '0')}_${slug}.md`);
        const made = await api<{ id: string }>(
          'POST',
          '/api/campaigns',
          {
            name: title,
            slug,
            metadata: {
              features,
              tags: ['campaign-doc'],
              knowledge_graph: { pattern: values.pattern, dependencies: plan.services },
              service_specific: { campaign: { doc: relative(process.cwd(), file) } },
            },
          },
          { 'idempotency-key': randomUUID() },
        );
        try {
          writeFileSync(
            file,
            renderCampaignDoc({
              number,
              title,
              slug,
              features,
              campaignId: made.id,
              pattern: values.pattern,
              graph,
            }),
            { flag: 'wx' },
          );
        } catch (e) {
          await api('DELETE', `/api/campaigns/${made.id}`).catch(() => undefined);
          throw e;
        }
        io.out(`${file}\ncampaign ${made.id} (pattern ${values.pattern}: ${plan.services.join(', ')})\n`);
        return 0;
      });
    }
    if (command === 'check') {
      if (rest.length) throw new UsageError('campaign check takes no argument.');
      const api = localApi();
      const problems: string[] = [];
      const ids = new Map<string, string>();
      for (const { file } of docsIn(dir)) {
        const doc = readCampaignDoc(readFileSync(join(dir, file), 'utf8'));
        for (const m of doc.missing) problems.push(`${join(dir, file)}: missing part ${m}`);
        if (!doc.campaignId) problems.push(`${join(dir, file)}: no "Campaign id:" line`);
        else ids.set(doc.campaignId, join(dir, file));
      }
      const members = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: { items: Array<{ type: string; id: string }>; next_cursor: string | null } = await api(
          'GET',
          `/api/kg/patterns/${encodeURIComponent(values.pattern)}${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        for (const i of page.items) if (i.type === 'campaign') members.add(i.id);
        cursor = page.next_cursor;
      } while (cursor);
      for (const [id, file] of ids)
        if (!members.has(id))
          problems.push(`${file}: campaign ${id} is not in the knowledge graph (pattern ${values.pattern})`);
      for (const id of [...members].sort()) {
        if (ids.has(id)) continue;
        const c = await api<{ metadata?: { service_specific?: { campaign?: { doc?: string } } } }>(
          'GET',
          `/api/campaigns/${encodeURIComponent(id)}`,
        ).catch(() => undefined);
        const doc = c?.metadata?.service_specific?.campaign?.doc;
        problems.push(
          `${doc ?? `campaign ${id}`}: no such doc in ${dir}, but campaign ${id} is in the knowledge graph (pattern ${values.pattern})`,
        );
      }
      if (problems.length) {
        io.err(`${problems.length} mismatch(es):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
        return 1;
      }
      io.out(
        `${ids.size} campaign doc(s) in ${dir}, each with its seven parts, match the knowledge graph.\n`,
      );
      return 0;
    }
    throw new UsageError(`Unknown campaign command "${command}".`);
  });
}
