import { describe, expect, it } from 'vitest';
import { type Metadata, mergeMetadata, parseMetadata } from '../../../lib/entity-metadata/index.ts';
import { conflict, validationError } from '../../../lib/errors.ts';
import { buildEnvelope, type EventEnvelope } from '../../../lib/events/envelope.ts';
import {
  flattenScripts,
  planTranslations,
  readLocalization,
  sourceHashOf,
  textHash,
  translationUpdate,
} from '../../../lib/localization/plan.ts';
import {
  AmazonTranslateProvider,
  OfflineProvider,
  providerFromConfig,
  type TranslationProvider,
  TranslationProviderError,
} from '../../../lib/localization/provider.ts';
import { LOCALIZATION_ACTOR, LocalizationService } from '../../../lib/localization/service.ts';
import { getService, registry } from '../../../lib/registry/index.ts';
import type { EntityStore } from '../../../lib/store/entity-store.ts';

const loc = (l: Record<string, unknown>): Metadata => ({ service_specific: { localization: l } });

describe('reading service_specific.localization', () => {
  it('flattens nested scripts with dotted keys and ignores non-text leaves', () => {
    expect(flattenScripts({ title: 'Hi', cta: { button: 'Go', n: 3 } })).toEqual({
      title: 'Hi',
      'cta.button': 'Go',
    });
  });

  it('needs scripts and locales; the source locale defaults to en', () => {
    expect(readLocalization(undefined)).toBeUndefined();
    expect(readLocalization(loc({ scripts: { title: 'Hi' } }))).toBeUndefined();
    expect(readLocalization(loc({ scripts: {}, locales: ['fr'] }))).toBeUndefined();
    expect(readLocalization(loc({ scripts: { title: 'Hi' }, locales: ['fr', 'fr', 'de'] }))).toMatchObject({
      locales: ['fr', 'de'],
      sourceLocale: 'en',
      translations: {},
    });
  });
});

describe('planning', () => {
  const base = { scripts: { title: 'Hello', body: 'World' }, locales: ['fr', 'de'] };

  it('translates every pair the first time', () => {
    const s = readLocalization(loc(base));
    expect(s && planTranslations(s)).toMatchObject({
      size: 4,
      byLocale: { fr: ['title', 'body'], de: ['title', 'body'] },
    });
  });

  it('after its own update: nothing left, so no write (no loop)', () => {
    const s = readLocalization(loc(base));
    if (!s) throw new Error('no state');
    const plan = planTranslations(s);
    const update = translationUpdate(
      s,
      plan,
      { fr: { title: 'a', body: 'b' }, de: { title: 'c', body: 'd' } },
      {
        provider: 'offline',
        at: '2026-01-01T00:00:00.000Z',
      },
    );
    const after = readLocalization(mergeMetadata(loc(base), update));
    expect(after && planTranslations(after).size).toBe(0);
    expect(after?.sourceHash).toBe(sourceHashOf(s));
    // The update is valid canonical metadata (strict).
    expect(() => parseMetadata(mergeMetadata(loc(base), update))).not.toThrow();
  });

  it('only the changed field, in every locale; only the new locale for every field', () => {
    const done = loc({
      ...base,
      scripts_translations: { fr: { title: 'x', body: 'y' }, de: { title: 'z', body: 'w' } },
      field_hashes: { title: textHash('Hello'), body: textHash('World') },
    });
    const changed = readLocalization(mergeMetadata(done, loc({ scripts: { title: 'Hello!' } })));
    expect(changed && planTranslations(changed).byLocale).toEqual({ fr: ['title'], de: ['title'] });
    const more = readLocalization(mergeMetadata(done, loc({ locales: ['fr', 'de', 'es'] })));
    expect(more && planTranslations(more).byLocale).toEqual({ es: ['title', 'body'] });
  });

  it('the source hash ignores key and locale order', () => {
    const a = readLocalization(loc({ scripts: { a: '1', b: '2' }, locales: ['fr', 'de'] }));
    const b = readLocalization(loc({ scripts: { b: '2', a: '1' }, locales: ['de', 'fr'] }));
    expect(a && b && sourceHashOf(a) === sourceHashOf(b)).toBe(true);
  });
});

describe('providers', () => {
  it('offline is deterministic', async () => {
    const p = new OfflineProvider();
    expect(await p.translate(['Hello', 'World'], 'en', 'fr')).toEqual(['[fr] Hello', '[fr] World']);
    expect(await p.translate(['Hello', 'World'], 'en', 'fr')).toEqual(
      await p.translate(['Hello', 'World'], 'en', 'fr'),
    );
  });

  it('Amazon Translate: one TranslateText per text, in order; failures become provider errors', async () => {
    const sent: unknown[] = [];
    const client = {
      send: async (cmd: { input: { Text: string; TargetLanguageCode: string } }) => {
        sent.push(cmd.input);
        if (cmd.input.Text === 'boom')
          throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
        return { TranslatedText: `${cmd.input.TargetLanguageCode}:${cmd.input.Text}` };
      },
    };
    const p = new AmazonTranslateProvider(client as never);
    expect(await p.translate(['a', 'b', 'c'], 'en', 'de')).toEqual(['de:a', 'de:b', 'de:c']);
    expect(sent[0]).toEqual({ Text: 'a', SourceLanguageCode: 'en', TargetLanguageCode: 'de' });
    await expect(p.translate(['boom'], 'en', 'de')).rejects.toThrow(/ThrottlingException/);
  });

  it('is chosen by configuration, aws by default', () => {
    expect(providerFromConfig(undefined).name).toBe('aws');
    expect(providerFromConfig('offline').name).toBe('offline');
    expect(() => providerFromConfig('google')).toThrow(/TRANSLATION_PROVIDER/);
  });
});

/** A store stand-in: masterRow answers the current row; patch records and applies the update. */
function fakeStore(metadata: Metadata, opts: { patchError?: () => Error | undefined } = {}) {
  const row = { metadata, version: 1 };
  const patches: Array<{ body: { metadata: Metadata }; ifMatch?: number; also: EventEnvelope[] }> = [];
  const store = {
    masterRow: async () => ({ ...row }),
    patch: async (
      _id: string,
      body: { metadata: Metadata },
      _ctx: unknown,
      ifMatch?: number,
      o?: { alsoEmit?: EventEnvelope[] },
    ) => {
      const err = opts.patchError?.();
      if (err) throw err;
      patches.push({ body, ifMatch, also: o?.alsoEmit ?? [] });
      row.metadata = mergeMetadata(row.metadata, body.metadata);
      row.version += 1;
      return {};
    },
  };
  return { store: store as unknown as EntityStore, patches, row };
}

const event = (metadata: Metadata, over: Partial<EventEnvelope> = {}): EventEnvelope => ({
  ...buildEnvelope({
    type: 'content.updated',
    service: 'content',
    environment: 'test',
    correlationId: 'corr-12345678',
    actor: { id: 'alice', role: 'user' },
    entity: { type: 'content', id: 'C1', version: 1 },
    metadata,
  }),
  ...over,
});

describe('LocalizationService', () => {
  const meta = loc({ scripts: { title: 'Hello' }, locales: ['fr', 'de'] });

  it('translates, writes with If-Match and emits localization.translated in the same write', async () => {
    const f = fakeStore(meta);
    const svc = new LocalizationService({
      storeFor: () => f.store,
      provider: new OfflineProvider(),
      environment: 'test',
    });
    expect(await svc.onEvent(event(meta))).toBe('translated');
    expect(f.patches).toHaveLength(1);
    expect(f.patches[0]?.ifMatch).toBe(1);
    expect(f.row.metadata.service_specific?.localization).toMatchObject({
      scripts_translations: { fr: { title: '[fr] Hello' }, de: { title: '[de] Hello' } },
      provider: 'offline',
    });
    expect(f.patches[0]?.also[0]).toMatchObject({
      type: 'localization.translated',
      source: 'tempora.localization',
      entity: { type: 'content', id: 'C1', version: 2 },
      actor: { id: LOCALIZATION_ACTOR.sub },
    });
    // Its own update event, and an identical later update: no further write.
    expect(
      await svc.onEvent(event(f.row.metadata, { actor: { id: LOCALIZATION_ACTOR.sub, role: 'service' } })),
    ).toBe('ignored');
    expect(await svc.onEvent(event(f.row.metadata))).toBe('up_to_date');
    expect(f.patches).toHaveLength(1);
  });

  it('provider failure: throws, writes nothing', async () => {
    const m = loc({ scripts: { title: 'Hello' }, locales: ['fr', 'de'] });
    const f = fakeStore(m);
    const failing: TranslationProvider = {
      name: 'offline',
      translate: async (_texts, _source, target) => {
        if (target === 'de') throw new TranslationProviderError('provider down for de');
        return ['[fr] Hello'];
      },
    };
    const svc = new LocalizationService({
      storeFor: () => f.store,
      provider: failing,
      environment: 'test',
    });
    await expect(svc.onEvent(event(m))).rejects.toBeInstanceOf(TranslationProviderError);
    expect(f.patches).toEqual([]);
  });

  it('retries a version conflict, gives up on a refused update without throwing', async () => {
    let calls = 0;
    const f = fakeStore(meta, { patchError: () => (++calls === 1 ? conflict('changed') : undefined) });
    const svc = new LocalizationService({
      storeFor: () => f.store,
      provider: new OfflineProvider(),
      environment: 'test',
    });
    expect(await svc.onEvent(event(meta))).toBe('translated');
    const refused = fakeStore(meta, {
      patchError: () => validationError([{ path: 'metadata', message: 'no' }]),
    });
    const svc2 = new LocalizationService({
      storeFor: () => refused.store,
      provider: new OfflineProvider(),
      environment: 'test',
    });
    expect(await svc2.onEvent(event(meta))).toBe('rejected');
  });

  it('ignores deletions, events without scripts, and entity types without a store', async () => {
    const svc = new LocalizationService({
      storeFor: () => undefined,
      provider: new OfflineProvider(),
      environment: 'test',
    });
    expect(await svc.onEvent(event(meta, { type: 'content.deleted' }))).toBe('ignored');
    expect(await svc.onEvent(event({}))).toBe('no_scripts');
    expect(await svc.onEvent(event(meta))).toBe('ignored');
  });
});

describe('registry wiring', () => {
  it('localization consumes created/updated of every CRUD entity and emits localization.translated', () => {
    const s = getService('localization');
    const expected = registry
      .filter((x) => x.crud !== false)
      .flatMap((x) => [`${x.entity}.created`, `${x.entity}.updated`]);
    expect([...s.consumes].sort()).toEqual(expected.sort());
    expect(s.emits).toContain('localization.translated');
    expect(s.needs).toEqual(['entities:write', 'translation', 'pricing-rules']);
  });
});
