/**
 * `tempora` command line: answers the knowledge-graph questions offline, from the live
 * registry (the same graph `GET /api/kg` serves). Run through bin/tempora.mjs:
 *
 *   npx tempora kg graph [--json]
 *   npx tempora kg service <name> [--json]
 *   npx tempora kg impact <name> [--json]
 *   npx tempora kg diagram [--focus <name>] [--deps-only]
 *   npx tempora kg cycles [--json]
 *   npx tempora kg check [--json]
 *   npx tempora kg diff <saved-graph.json> [--json]
 *   npx tempora kg help
 *   npx tempora campaign new "<title>" [--features a,b] [--dry-run] | campaign check   (bin/campaign.ts)
 *   npx tempora token --role <user|admin|service> --sub <id> [--ttl 1h]   (bin/token.ts)
 *   npx tempora auth status | rotate [--grace 12h]                         (bin/auth.ts)
 *   npx tempora console screenshot [#/graph] [--out file.png]           (bin/console.ts)
 *   npx tempora dlq list [--json] | dlq redrive <name> [--max N]        (bin/dlq.ts)
 *   npx tempora records export --to <loc> | records import --from <loc>  (bin/records.ts)
 *
 * Exit codes: 0 success, 1 `kg check` found problems, 2 usage error or unknown service.
 */
import { readFile } from 'node:fs/promises';
import {
  allServices,
  buildGraph,
  checkRegistry,
  DECLARED_CYCLES,
  declarationOf,
  diffGraphs,
  findCycles,
  formatCycle,
  type GraphDiff,
  getServiceNode,
  type ImpactReport,
  impact,
  isEmptyDiff,
  type KnowledgeGraph,
  toMermaid,
} from '../lib/amadeus/index.ts';
import { isTemporaError } from '../lib/errors.ts';
import { runAuthCli } from './auth.ts';
import { runCampaignCli } from './campaign.ts';
import { type CliIo, type ParsedArgs, runCommand, UsageError } from './command.ts';
import { runConsoleCli } from './console.ts';
import { runDlqCli } from './dlq.ts';
import { runRecordsCli } from './records.ts';
import { runTokenCli } from './token.ts';

export type { CliIo } from './command.ts';

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** `tempora` alone, `tempora help`: every command with one line. */
export const TOP_HELP = `Usage: tempora <command> [options]   ("tempora <command> --help" for one command)

Commands:
  kg         the knowledge graph of the services: graph, service, impact, diagram, cycles, check, diff
  campaign   campaign docs: new "<title>" scaffolds docs/campaign/NNN_<slug>.md and the campaign; check
  token      a bearer token for the local stack (--role user|admin|service --sub <id>)
  auth       the stack's token keys: status, rotate [--grace 12h], retire
  records    export and import metadata records, to and from a file or S3
  dlq        the local stack's dead-letter queues: list, redrive <name>
  console    the local stack's operator console: screenshot [#/view] once the page has loaded

Exit codes: 0 ok, 1 the command found problems or failed, 2 usage error.
`;

export const HELP = `Usage: tempora kg <command> [options]

Knowledge graph of the Tempora services, built from the registry (lib/registry).

Commands:
  graph                  every service with its dependencies and dependents
  service <name>         one service: capabilities, dependencies, routes, events, …
  impact <name>          direct and transitive dependents and dependencies, cycles,
                         consumers of its events
  diagram                Mermaid flowchart (graph LR)
  cycles                 every dependency cycle, and whether it is declared
  check                  registry consistency (exit 1 on problems)
  diff <graph.json>      what changed from a saved \`kg graph --json\` to the registry
  help                   this text

Options:
  --json                 machine-readable output (graph, service, impact, cycles, check, diff)
  --focus <name>         diagram: only this service and its neighbours
  --deps-only            diagram: leave out integration points
  -h, --help             this text

Exit codes: 0 ok, 1 check found problems, 2 usage error or unknown service.
`;

const KG = {
  name: 'kg',
  help: HELP,
  positionals: true,
  options: {
    json: { type: 'boolean', default: false },
    focus: { type: 'string' },
    'deps-only': { type: 'boolean', default: false },
  },
} as const;

/** The commands `tempora` runs, by their first word. */
const COMMANDS = new Map<string, (argv: readonly string[], io: CliIo) => Promise<number>>([
  ['kg', runKgCli],
  ['token', runTokenCli],
  ['auth', runAuthCli],
  ['dlq', runDlqCli],
  ['records', runRecordsCli],
  ['campaign', runCampaignCli],
  ['console', runConsoleCli],
]);

/** Run the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [first, ...rest] = argv;
  const command = first === undefined ? undefined : COMMANDS.get(first);
  if (command) return command(rest, io);
  if (first === undefined || first === 'help' || first === '-h' || first === '--help') {
    io.out(TOP_HELP);
    return 0;
  }
  io.err(`Unknown command "${first}".\n\n${TOP_HELP}`);
  return 2;
}

/** `tempora kg …`: an unknown service is a usage error too (exit 2), with its body under --json. */
export function runKgCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCommand(KG, argv, io, async ({ values, positionals }) => {
    const [command, ...rest] = positionals;
    try {
      return await kg(command as string, rest, values, io);
    } catch (e) {
      if (!(isTemporaError(e) && e.status === 404)) throw e;
      io.err(`${e.message}\n`);
      if (values.json) io.out(`${JSON.stringify(e.toBody(), null, 2)}\n`);
      return 2;
    }
  });
}

type Values = ParsedArgs<typeof KG.options>['values'];

async function kg(command: string, args: string[], values: Values, io: CliIo): Promise<number> {
  const json = (v: unknown): void => io.out(`${JSON.stringify(v, null, 2)}\n`);
  const one = (what: string): string => {
    if (args.length !== 1) throw new UsageError(`kg ${command} takes exactly one ${what}.`);
    return args[0]!;
  };
  const none = (): void => {
    if (args.length > 0) throw new UsageError(`kg ${command} takes no argument (got "${args.join(' ')}").`);
  };
  const graph = (): KnowledgeGraph => buildGraph(allServices());

  switch (command) {
    case 'graph': {
      none();
      const g = graph();
      if (values.json) json(g);
      else io.out(formatGraph(g));
      return 0;
    }
    case 'service': {
      const node = getServiceNode(graph(), one('service name'));
      if (values.json) json(node);
      else
        io.out(
          formatRecord(`Service ${node.name}`, {
            description: node.description,
            entity: node.entity,
            collection: node.collection ? `/api/${node.collection}` : null,
            table: node.table,
            capabilities: node.capabilities,
            dependencies: node.dependencies,
            dependents: node.dependents,
            'integration points': node.integration_points,
            'integrated by': node.integrated_by,
            routes: node.routes,
            emits: node.events.emits,
            consumes: node.events.consumes,
          }),
        );
      return 0;
    }
    case 'impact': {
      const report = impact(graph(), one('service name'));
      if (values.json) json(report);
      else io.out(formatImpact(report));
      return 0;
    }
    case 'diagram': {
      none();
      io.out(
        toMermaid(graph(), {
          ...(values.focus !== undefined && { focus: values.focus }),
          dependenciesOnly: values['deps-only'],
        }),
      );
      return 0;
    }
    case 'cycles': {
      none();
      const { cycles, truncated } = findCycles(graph());
      const rows = cycles.map((cycle) => {
        const d = declarationOf(cycle);
        return { cycle, declared: d !== undefined, reason: d?.reason ?? null };
      });
      if (values.json) json({ cycles: rows, truncated, declared: DECLARED_CYCLES });
      else {
        io.out(`${cycles.length} dependency cycle(s)${truncated ? ' (truncated)' : ''}:\n`);
        for (const r of rows)
          io.out(`  ${r.declared ? 'declared  ' : 'UNDECLARED'}  ${formatCycle(r.cycle)}\n`);
        io.out('\nDeclared:\n');
        for (const d of DECLARED_CYCLES)
          io.out(`  ${'through' in d ? `through ${d.through}` : formatCycle(d.cycle)}: ${d.reason}\n`);
      }
      return 0;
    }
    case 'check': {
      none();
      const report = checkRegistry();
      if (values.json) json(report);
      else {
        const c = report.checked;
        const summary = [
          count(c.services, 'service'),
          count(c.dependencies, 'dependency', 'dependencies'),
          count(c.integration_points, 'integration point'),
          count(c.events_consumed, 'consumed event type'),
          count(report.cycles.length, 'dependency cycle'),
        ].join(', ');
        if (report.ok) io.out(`Registry consistent: ${summary}, every cycle declared.\n`);
        else {
          io.err(`Registry inconsistent: ${report.problems.length} problem(s) (${summary}):\n`);
          for (const p of report.problems) io.err(`  [${p.kind}] ${p.message}\n`);
        }
      }
      return report.ok ? 0 : 1;
    }
    case 'diff': {
      const file = one('file (a saved `tempora kg graph --json`)');
      let prev: KnowledgeGraph;
      try {
        prev = JSON.parse(await readFile(file, 'utf8')) as KnowledgeGraph;
      } catch (e) {
        throw new UsageError(`Cannot read a graph from ${file}: ${(e as Error).message}`);
      }
      if (typeof prev?.services !== 'object' || prev.services === null || typeof prev.events !== 'object')
        throw new UsageError(`${file} is not a knowledge graph (no services/events).`);
      const d = diffGraphs(prev, graph());
      if (values.json) json(d);
      else io.out(formatDiff(d));
      return 0;
    }
    default:
      throw new UsageError(`Unknown kg command "${command}".`);
  }
}

/** `1 service`, `2 services`. */
const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

const list = (v: readonly string[]): string => (v.length === 0 ? '—' : v.join(', '));

/** `title` then one aligned `key  value` line per entry (lists joined; long lists one per line). */
function formatRecord(title: string, rows: Record<string, string | null | readonly string[]>): string {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  const lines = [title];
  for (const [k, v] of Object.entries(rows)) {
    const pad = `  ${k.padEnd(width)}  `;
    if (Array.isArray(v) && v.length > 6) {
      lines.push(`${pad}(${v.length})`);
      for (const item of v) lines.push(`${' '.repeat(pad.length)}${item}`);
    } else lines.push(`${pad}${Array.isArray(v) ? list(v) : (v ?? '—')}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatGraph(g: KnowledgeGraph): string {
  const services = Object.values(g.services);
  const lines = [
    `Knowledge graph ${g.hash.slice(0, 12)} (format ${g.format}, generated ${g.generated_at})`,
    `${services.length} services, ${g.edges.length} edges, ${Object.keys(g.events).length} event types`,
    '',
  ];
  const width = Math.max(...services.map((s) => s.name.length));
  for (const s of services) {
    lines.push(`${s.name.padEnd(width)}  depends on: ${list(s.dependencies)}`);
    lines.push(`${' '.repeat(width)}  needed by:  ${list(s.dependents)}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatImpact(r: ImpactReport): string {
  const count = (v: readonly string[]): string => (v.length === 0 ? '—' : `(${v.length}) ${v.join(', ')}`);
  const lines = [
    `Impact of ${r.service}`,
    `  direct dependents        ${count(r.direct_dependents)}`,
    `  transitive dependents    ${count(r.transitive_dependents)}`,
    `  direct dependencies      ${count(r.direct_dependencies)}`,
    `  transitive dependencies  ${count(r.transitive_dependencies)}`,
    `  integrated by            ${count(r.integrated_by)}`,
    `  cycles                   ${r.cycles.length === 0 ? '—' : `(${r.cycles.length}${r.cycles_truncated ? '+' : ''})`}`,
    ...r.cycles.map((c) => `    ${formatCycle(c)}`),
    `  events affected          ${r.events_affected.length === 0 ? '— (no consumer of its events)' : ''}`,
    ...r.events_affected.map((e) => `    ${e.type} → ${e.consumers.join(', ')}`),
  ];
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}

function formatDiff(d: GraphDiff): string {
  if (isEmptyDiff(d)) return `No change (${d.to_hash.slice(0, 12)}).\n`;
  const lines = [`Changes ${d.from_hash.slice(0, 12)} → ${d.to_hash.slice(0, 12)}`];
  if (d.services_added.length) lines.push(`  services added    ${list(d.services_added)}`);
  if (d.services_removed.length) lines.push(`  services removed  ${list(d.services_removed)}`);
  if (d.events_added.length) lines.push(`  events added      ${list(d.events_added)}`);
  if (d.events_removed.length) lines.push(`  events removed    ${list(d.events_removed)}`);
  for (const c of d.changed) {
    lines.push(`  ${c.service}`);
    const { events, ...fields } = c.fields;
    const all: Array<[string, unknown]> = [
      ...Object.entries(fields),
      ...Object.entries(events ?? {}).map(([k, v]): [string, unknown] => [`events.${k}`, v]),
    ];
    for (const [field, change] of all) {
      if (change && typeof change === 'object' && 'added' in change) {
        const s = change as { added: string[]; removed: string[] };
        lines.push(
          `    ${field}: ${[...s.added.map((a) => `+${a}`), ...s.removed.map((r) => `-${r}`)].join(' ')}`,
        );
      } else {
        const v = change as { from: string | null; to: string | null };
        lines.push(`    ${field}: ${JSON.stringify(v.from)} → ${JSON.stringify(v.to)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
