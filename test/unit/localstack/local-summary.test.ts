/**
 * What `npm run local` prints when the platform is ready (localstack/platform.ts summaryLines):
 * the URLs, the dev tokens and the console link last, the tables and queues only with
 * --verbose (they are always in .local/outputs.json).
 */
import { describe, expect, it } from 'vitest';
import type { DeadLetterDepth } from '../../../localstack/dead-letters.ts';
import { buildLocalOutputs } from '../../../localstack/outputs.ts';
import { deadLetterEntries, summaryLines } from '../../../localstack/platform.ts';

const outputs = buildLocalOutputs({
  endpoint: 'http://127.0.0.1:4620',
  region: 'us-east-1',
  environment: 'dev',
  stackName: 'Tempora-dev',
  tokens: { admin: 'a.a.a', user: 'u.u.u', service: 's.s.s' },
  stackOutputs: {
    HttpApiId: 'b1d9b4ed',
    JwtSecretArn: 'arn',
    EventBusName: 'tempora-dev-nexus',
    ConsoleUrl: 'https://x/console',
    WebSocketApiId: '7a35032b',
    WebSocketStage: 'live',
    ExportsBucketName: 'exports',
    TableUser: 'tempora-dev-service_user_master',
    TableBroadcastConnections: 'tempora-dev-service_broadcast_connection',
  },
});
const queue = (name: string, depth: number): DeadLetterDepth => ({
  name,
  logicalId: name,
  stack: 'Tempora-dev',
  url: `http://q/${name}`,
  arn: `arn:${name}`,
  sources: [{ kind: 'function', functionName: `tempora-dev-${name}` }] as DeadLetterDepth['sources'],
  depth,
  inFlight: 0,
});
const queues = [queue('analytics-events', 2), queue('search-events', 0)];
const FILE = '/repo/.local/outputs.json';

describe('the summary of npm run local', () => {
  it('ends with the URLs, the tokens, then the console link signed in as admin', () => {
    const lines = summaryLines(outputs, FILE, queues);
    const text = lines.join('\n');
    const at = (s: string) => lines.findIndex((l) => l.includes(s));
    expect(at('HTTP API')).toBeGreaterThan(at('Dead letters'));
    expect(at('Dev tokens')).toBeGreaterThan(at('Console '));
    expect(at('  service ')).toBeGreaterThan(at('  admin '));
    expect(lines.filter((l) => l.trim()).at(-1)).toBe(
      '  Console (signed in as admin): http://127.0.0.1:4620/_aws/execute-api/b1d9b4ed/console?token=a.a.a#/graph',
    );
    expect(lines).toContain('  WebSocket     ws://127.0.0.1:4620/_aws/execute-api/7a35032b/live');
    expect(text).toMatch(/ {2}Dead letters {2}2 waiting in 2 queues/);
    expect(text).toContain(`2 tables and the queues: in ${FILE}, or "npm run local -- --verbose"`);
    // Brief: no table, no bus, no bucket, no line per queue.
    expect(text).not.toMatch(/Table |Event bus|Exports bucket|analytics-events/);
    expect(lines.length).toBeLessThan(20);
  });

  it('with --verbose, lists the bus, the bucket, each table and each queue first', () => {
    const lines = summaryLines(outputs, FILE, queues, { verbose: true });
    const at = (s: string) => lines.findIndex((l) => l.includes(s));
    for (const s of [
      'Event bus',
      'Exports bucket',
      'Table user',
      'Table broadcastConnections',
      'analytics-events',
    ])
      expect(at(s), s).toBeGreaterThan(0);
    expect(at('search-events')).toBeLessThan(at('HTTP API'));
    expect(at('Table user')).toBeLessThan(at('Endpoint'));
    expect(lines.filter((l) => l.trim()).at(-1)).toMatch(/^ {2}Console \(signed in as admin\): /);
    expect(lines.join('\n')).not.toContain('--verbose');
  });

  it('writes the queues into outputs.json with what feeds them and what waits', () => {
    expect(deadLetterEntries(queues)).toEqual([
      {
        name: 'analytics-events',
        url: 'http://q/analytics-events',
        feeds: ['function tempora-dev-analytics-events'],
        waiting: 2,
      },
      {
        name: 'search-events',
        url: 'http://q/search-events',
        feeds: ['function tempora-dev-search-events'],
        waiting: 0,
      },
    ]);
  });
});
