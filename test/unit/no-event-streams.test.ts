/**
 * lib/aws/no-event-streams.ts stands in for `@smithy/core/event-streams` in every bundle
 * (infra/bundling.ts). That holds only while no bundled SDK client has an event-stream
 * operation: each client the project depends on is checked here, from its own schemas.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE } from '../../infra/bundling.ts';
import { EventStreamSerde, eventStreamSerdeProvider } from '../../lib/aws/no-event-streams.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const clients = Object.keys(pkg.dependencies).filter((d) => d.startsWith('@aws-sdk/client-'));

describe('the event-stream stand-in of the bundles', () => {
  it('is what infra/bundling.ts swaps in', () => {
    expect(LAMBDA_BUNDLE.alias['@smithy/core/event-streams']).toBe('./lib/aws/no-event-streams.ts');
  });

  it('no SDK client the Lambdas use has a streaming operation', () => {
    expect(clients.length).toBeGreaterThan(3);
    for (const client of clients) {
      const dir = dirname(require.resolve(`${client}/package.json`));
      const schemas = readFileSync(join(dir, 'dist-es', 'schemas', 'schemas_0.js'), 'utf8');
      // Smithy marks event streams (and streamed blobs) with the `streaming` trait.
      expect(schemas.includes('"streaming"'), `${client} has a streaming operation`).toBe(false);
    }
  });

  it('the check would notice one (Lambda has InvokeWithResponseStream)', () => {
    const dir = dirname(require.resolve('@aws-sdk/client-lambda/package.json'));
    expect(readFileSync(join(dir, 'dist-es', 'schemas', 'schemas_0.js'), 'utf8')).toContain('"streaming"');
  });

  it('fails loudly if an event-stream operation ever reaches it', () => {
    expect(() => eventStreamSerdeProvider({})).toThrow(/event streams are not bundled/);
    expect(() => new EventStreamSerde({})).toThrow(/event streams are not bundled/);
  });
});
