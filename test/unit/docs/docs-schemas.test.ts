import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSchemas, eventCatalogue, SCHEMAS_DIR } from '../../../bin/docs-schemas.ts';
import { stoppedEnvelope } from '../../../lib/broadcast/controller.ts';
import { startIntentEnvelope } from '../../../lib/broadcast/events.ts';
import { emittedEvents, platform, registry } from '../../../lib/registry/index.ts';

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : [relative(SCHEMAS_DIR, join(dir, d.name))],
  );

describe('docs/schemas is what `npm run docs:schemas` generates', () => {
  const generated = buildSchemas();

  it('holds exactly the generated files', () => {
    expect(filesUnder(SCHEMAS_DIR).sort()).toEqual(Object.keys(generated).sort());
  });

  it.each(Object.keys(generated))('%s has not drifted (run npm run docs:schemas)', (name) => {
    const onDisk = JSON.parse(readFileSync(join(SCHEMAS_DIR, name), 'utf8'));
    expect(onDisk).toEqual(generated[name]);
  });
});

describe('event catalogue', () => {
  it('documents every event type the registry declares as emitted, once', () => {
    const declared = new Set([...registry.flatMap(emittedEvents), ...platform.flatMap((p) => p.emits)]);
    expect(eventCatalogue().map((e) => e.type)).toEqual([...declared].sort((a, b) => a.localeCompare(b)));
  });

  const payloadOf = (type: string) => {
    const doc = eventCatalogue().find((e) => e.type === type);
    if (!doc) throw new Error(`no ${type}`);
    return doc.payload;
  };

  it('the documented payloads accept the envelopes the code builds', () => {
    const stopped = stoppedEnvelope(
      'test',
      {
        campaign_id: 'c1',
        epoch: 2,
        execution: 'exec-1',
        seq: 40,
        started_at: '2026-01-01T00:00:00Z',
      } as Parameters<typeof stoppedEnvelope>[1],
      'ended',
      'corr-123456',
      41,
    );
    expect(payloadOf('broadcast.stopped').safeParse(stopped.payload).error).toBeUndefined();
    const start = startIntentEnvelope({
      environment: 'test',
      campaignId: 'c1',
      runAt: '2026-01-01T00:00:00Z',
      startsAt: '2026-01-01T00:00:05Z',
      correlationId: 'corr-123456',
    });
    expect(payloadOf('scheduler.schedule').safeParse(start.payload).error).toBeUndefined();
    // …and refuse a payload of another event
    expect(payloadOf('campaign.score').safeParse(stopped.payload).success).toBe(false);
  });
});

describe('docs/ links stay inside the repository', () => {
  const docs = join(SCHEMAS_DIR, '..');
  const repo = join(docs, '..');
  const pages = readdirSync(docs).filter((f) => f.endsWith('.md'));

  it.each(pages)('%s', (page) => {
    const text = readFileSync(join(docs, page), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => (m[1] ?? '').split('#')[0] ?? '');
    const escaping = targets.filter(
      (t) => t && !/^[a-z]+:/i.test(t) && relative(repo, join(docs, t)).startsWith('..'),
    );
    expect(escaping).toEqual([]);
  });

  it('contract.md links the JSON Schemas it promises', () => {
    const text = readFileSync(join(docs, 'contract.md'), 'utf8');
    for (const name of ['envelope', 'error', 'metadata.strict', 'metadata.lenient'])
      expect(text).toContain(`](schemas/${name}.schema.json)`);
  });
});
