/**
 * The whole local platform in one call: a healthy emulator, the stack deployed on it, and
 * `.local/outputs.json` written. Shared by the CLI (`npm run local`) and the integration
 * tests' global setup, so both do exactly the same thing.
 */
import { rmSync } from 'node:fs';
import type { LocalConfig } from './config.ts';
import { applyDeadLetters, type DeadLetterDepth, listDeadLetters } from './dead-letters.ts';
import { bootstrapAndDeploy } from './deploy.ts';
import { type EmulatorHandle, ensureEmulator, probeHealth, resetEmulator, stopEmulator } from './emulator.ts';
import { applyEventApiStep, findEventApi } from './event-api.ts';
import { consoleLink, type DeadLetterEntry, type LocalOutputs } from './outputs.ts';
import { elapsed, info, LocalError, step } from './progress.ts';
import { refreshLocalOutputs } from './stack.ts';

/** What {@link upPlatform} produced. */
export interface Platform {
  emulator: EmulatorHandle;
  outputs: LocalOutputs;
  /** Absolute path of `.local/outputs.json`. */
  outputsFile: string;
  /** The stack's dead-letter queues with their depths after the deploy. */
  deadLetters: DeadLetterDepth[];
}

/** A deployed stack: its outputs and its dead-letter queues (depths read after the deploy). */
export interface Deployed {
  outputs: LocalOutputs;
  deadLetters: DeadLetterDepth[];
}

/**
 * The post-deploy step: every function and EventBridge target gets the DLQ its CDK declaration
 * names (the emulator's CloudFormation drops a function's), then the queues' depths are read.
 */
export async function applyDeadLetterStep(cfg: LocalConfig, endpoint: string): Promise<DeadLetterDepth[]> {
  const s = step('applying the declared dead-letter queues (functions, EventBridge targets)');
  try {
    const applied = await applyDeadLetters(endpoint, cfg.region, cfg.stackName);
    const set = applied.functionsApplied.length + applied.targetsApplied.length;
    s.done(
      `${applied.queues.length} dead-letter queues; ${set === 0 ? 'all already as declared' : `set on ${applied.functionsApplied.length} function(s), ${applied.targetsApplied.length} target(s)`}`,
    );
    return await listDeadLetters(endpoint, cfg.region, cfg.stackName);
  } catch (e) {
    s.fail();
    throw e;
  }
}

/**
 * What the emulator's CloudFormation leaves undone, applied after every deploy: the declared
 * dead-letter queues, and the AppSync Event API of live campaigns (./event-api.ts).
 */
export async function afterDeploy(cfg: LocalConfig, endpoint: string): Promise<DeadLetterDepth[]> {
  await applyEventApiStep(cfg, endpoint);
  return applyDeadLetterStep(cfg, endpoint);
}

/**
 * Reads the stack back and writes `.local/outputs.json`, as a progress step; with the
 * dead-letter queues as the deploy left them when given.
 */
export async function writeOutputs(
  cfg: LocalConfig,
  endpoint: string,
  deadLetters?: readonly DeadLetterDepth[],
): Promise<LocalOutputs> {
  const s = step(`writing ${cfg.paths.outputsFile} (stack outputs + dev tokens)`);
  try {
    const outputs = await refreshLocalOutputs(
      cfg,
      endpoint,
      (raw) => findEventApi(cfg, endpoint, raw),
      deadLetters && deadLetterEntries(deadLetters),
    );
    s.done('outputs written');
    return outputs;
  } catch (e) {
    s.fail();
    throw e;
  }
}

/**
 * Ensures an emulator (reusing a healthy one), deploys the stack (always: CDK skips an
 * unchanged stack quickly) and writes the outputs. With `stopOnFailure`, an emulator started
 * by this call is stopped again when the deploy fails.
 */
export async function upPlatform(
  cfg: LocalConfig,
  opts: { stopOnFailure?: boolean } = {},
): Promise<Platform> {
  const started = Date.now();
  const emulator = await ensureEmulator(cfg);
  try {
    await bootstrapAndDeploy(cfg, emulator.endpoint);
    const deadLetters = await afterDeploy(cfg, emulator.endpoint);
    const outputs = await writeOutputs(cfg, emulator.endpoint, deadLetters);
    info(`local platform ready in ${elapsed(started)}`);
    return { emulator, outputs, outputsFile: cfg.paths.outputsFile, deadLetters };
  } catch (e) {
    if (opts.stopOnFailure && emulator.startedHere && emulator.pid !== undefined) {
      await stopEmulator(cfg, emulator.pid);
    }
    throw e;
  }
}

/** Deploys to the emulator that is already running (no start), then writes the outputs. */
export async function deployPlatform(cfg: LocalConfig): Promise<Deployed> {
  await requireHealthy(cfg);
  await bootstrapAndDeploy(cfg, cfg.endpoint);
  const deadLetters = await afterDeploy(cfg, cfg.endpoint);
  return { outputs: await writeOutputs(cfg, cfg.endpoint, deadLetters), deadLetters };
}

/** Wipes the emulator's state, forgets the outputs, then bootstraps and deploys again. */
export async function resetPlatform(cfg: LocalConfig): Promise<Deployed> {
  const started = Date.now();
  await requireHealthy(cfg);
  rmSync(cfg.paths.outputsFile, { force: true });
  rmSync(cfg.paths.cdkOutputsFile, { force: true });
  await resetEmulator(cfg.endpoint);
  await bootstrapAndDeploy(cfg, cfg.endpoint);
  const deadLetters = await afterDeploy(cfg, cfg.endpoint);
  const outputs = await writeOutputs(cfg, cfg.endpoint, deadLetters);
  info(`reset + redeploy took ${elapsed(started)}`);
  return { outputs, deadLetters };
}

async function requireHealthy(cfg: LocalConfig): Promise<void> {
  if (await probeHealth(cfg.endpoint)) return;
  throw new LocalError(
    cfg.external
      ? `no emulator answers at AWS_ENDPOINT_URL=${cfg.endpoint}: start it first`
      : `no emulator answers at ${cfg.endpoint}: run "npm run local" first`,
  );
}

/** How much {@link printSummary} says. */
export interface SummaryOptions {
  /** Also the bus, the bucket, every table and every dead-letter queue (`--verbose`). */
  verbose?: boolean;
}

/** Prints the URLs and tokens a developer needs (the full tokens: they only work locally). */
export function printSummary(
  outputs: LocalOutputs,
  outputsFile: string,
  deadLetters: readonly DeadLetterDepth[] = [],
  opts: SummaryOptions = {},
): void {
  console.log(summaryLines(outputs, outputsFile, deadLetters, opts).join('\n'));
}

/**
 * The summary, most useful last (it is what stays on the screen): with `verbose` the details
 * (bus, bucket, tables, each dead-letter queue), else one line on the dead letters and where
 * the details are; then the URLs, the dev tokens, and the console link signed in as admin.
 */
export function summaryLines(
  outputs: LocalOutputs,
  outputsFile: string,
  deadLetters: readonly DeadLetterDepth[] = [],
  opts: SummaryOptions = {},
): string[] {
  // The URLs a client calls.
  const rows: [string, string][] = [
    ['Endpoint', `${outputs.endpoint}  (region ${outputs.region}, stack ${outputs.stackName})`],
    ['HTTP API', outputs.httpApiUrl],
    ...(outputs.webSocketUrl ? [['WebSocket', outputs.webSocketUrl] as [string, string]] : []),
    ...(outputs.eventsRealtimeUrl
      ? [['Events realtime', outputs.eventsRealtimeUrl] as [string, string]]
      : []),
    ...(outputs.eventsHttpUrl ? [['Events HTTP', outputs.eventsHttpUrl] as [string, string]] : []),
    ...(outputs.consoleUrl ? [['Console', outputs.consoleUrl] as [string, string]] : []),
  ];
  // What the platform is made of: with --verbose, and always in outputs.json.
  const details: [string, string][] = [
    ['Event bus', outputs.eventBusName],
    ...(outputs.oidcIssuer
      ? [['OIDC issuer', `${outputs.oidcIssuer}  (npx tempora token --issuer oidc …)`] as [string, string]]
      : []),
    ...(outputs.stackOutputs.ExportsBucketName
      ? [['Exports bucket', `s3://${outputs.stackOutputs.ExportsBucketName}/`] as [string, string]]
      : []),
    ...Object.entries(outputs.tables).map(([k, v]): [string, string] => [`Table ${k}`, v]),
  ];
  const shown = opts.verbose ? [...rows, ...details] : rows;
  const width = Math.max(...shown.map(([k]) => k.length), 'Dead letters'.length) + 2;
  const line = ([k, v]: [string, string]) => `  ${k.padEnd(width)}${v}`;
  const brief = [
    ...deadLetterLines(deadLetters, width).slice(0, 1),
    `  ${'Details'.padEnd(width)}the bus, the bucket, ${Object.keys(outputs.tables).length} tables and the queues: in ${outputsFile}, or "npm run local -- --verbose"`,
  ];
  return [
    '',
    ...(opts.verbose ? [...details.map(line), ...deadLetterLines(deadLetters, width)] : brief),
    '',
    ...rows.map(line),
    '',
    '  Dev tokens (Authorization: Bearer <token>, valid 12 h; "npm run local:deploy" mints new ones):',
    ...(['admin', 'user', 'service'] as const).map((r) => `  ${r.padEnd(width)}${outputs.tokens[r]}`),
    '',
    ...(outputs.consoleUrl
      ? [`  Console (signed in as admin): ${consoleLink(outputs.consoleUrl, outputs.tokens.admin)}`, '']
      : []),
  ];
}

/** `Dead letters  3 waiting in 10 queues` then one line per queue (`npx tempora dlq list` shows them too). */
export function deadLetterLines(queues: readonly DeadLetterDepth[], width: number): string[] {
  if (queues.length === 0) return [];
  const waiting = queues.reduce((n, q) => n + q.depth + q.inFlight, 0);
  const name = Math.max(...queues.map((q) => q.name.length));
  return [
    `  ${'Dead letters'.padEnd(width)}${waiting} waiting in ${queues.length} queues ("npx tempora dlq redrive <name>" sends them back)`,
    ...queues.map((q) => `  ${''.padEnd(width)}  ${q.name.padEnd(name)}  ${q.depth + q.inFlight}`),
  ];
}

/** The queues as `.local/outputs.json` lists them. */
export const deadLetterEntries = (queues: readonly DeadLetterDepth[]): DeadLetterEntry[] =>
  queues.map((q) => ({
    name: q.name,
    url: q.url,
    feeds: q.sources.map((s) => `${s.kind} ${s.functionName}`),
    waiting: q.depth + q.inFlight,
  }));
