/**
 * lib/aws/no-event-streams.ts stands in for `@smithy/core/event-streams` in every bundle
 * (infra/bundling.ts). That holds only while no SDK client in a Lambda bundle has an
 * event-stream operation: the bundles are built here (all functions at once, the project's
 * settings) and each client they contain is checked from its own runtime config, which wires
 * an event-stream serde only when the service has such an operation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE } from '../../../infra/bundling.ts';
import { EventStreamSerde, eventStreamSerdeProvider } from '../../../lib/aws/no-event-streams.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);

/** Whether a client's Node runtime config wires the event-stream serde. */
const wiresEventStreams = (client: string): boolean =>
  readFileSync(
    join(dirname(require.resolve(`${client}/package.json`)), 'dist-es', 'runtimeConfig.js'),
    'utf8',
  ).includes('@smithy/core/event-streams');

async function bundledClients(): Promise<string[]> {
  const entryPoints = readdirSync(join(ROOT, 'functions')).map((f) => join(ROOT, 'functions', f, 'index.ts'));
  const r = await esbuild.build({
    entryPoints,
    outdir: join(ROOT, 'bench', 'out', 'event-streams-check'),
    write: false,
    bundle: true,
    metafile: true,
    format: LAMBDA_BUNDLE.format,
    platform: LAMBDA_BUNDLE.platform,
    target: LAMBDA_BUNDLE.target,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    alias: LAMBDA_BUNDLE.alias,
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  const clients = new Set<string>();
  for (const input of Object.keys(r.metafile.inputs)) {
    const m = input.match(/node_modules\/(@aws-sdk\/client-[^/]+)\//);
    if (m) clients.add(m[1]!);
  }
  return [...clients];
}

describe('the event-stream stand-in of the bundles', () => {
  it('is what infra/bundling.ts swaps in', () => {
    expect(LAMBDA_BUNDLE.alias['@smithy/core/event-streams']).toBe('./lib/aws/no-event-streams.ts');
  });

  it('no SDK client in a Lambda bundle has an event-stream operation', async () => {
    const clients = await bundledClients();
    expect(clients).toEqual(
      expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/client-eventbridge']),
    );
    for (const client of clients)
      expect(wiresEventStreams(client), `${client} has event streams`).toBe(false);
  }, 60_000);

  it('the check would notice one (Lambda has InvokeWithResponseStream)', () => {
    expect(wiresEventStreams('@aws-sdk/client-lambda')).toBe(true);
  });

  it('fails loudly if an event-stream operation ever reaches it', () => {
    expect(() => eventStreamSerdeProvider({})).toThrow(/event streams are not bundled/);
    expect(() => new EventStreamSerde({})).toThrow(/event streams are not bundled/);
  });
});
