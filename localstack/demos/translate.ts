/**
 * Scripts in, translations out: a content item with texts and locales gets its translations
 * written back into its own metadata by the localization service, from the bus.
 */
import { type Demo, DemoFailed, detail, say, unique, waitFor } from './kit.ts';

interface Localization {
  scripts_translations?: Record<string, Record<string, string>>;
  provider?: string;
}
interface Entity {
  id: string;
  version: number;
  metadata?: { service_specific?: { localization?: Localization } };
}

const translationsOf = (e: Entity): Localization | undefined => e.metadata?.service_specific?.localization;

export const translate: Demo = {
  title: 'scripts → translations: the localization service writes translations back into the metadata',
  budgetMs: 120_000,
  async run(ctx) {
    const scripts = { title: 'Summer launch', cta: 'Sign up today' };
    const item = await ctx.must<Entity>('POST', '/api/content', {
      title: `Demo translate ${unique()}`,
      kind: 'article',
      metadata: {
        tags: ['demo'],
        service_specific: { localization: { scripts, locales: ['fr', 'de'], source_locale: 'en' } },
      },
    });
    say(
      `created content ${item.id} (version ${item.version}) with scripts ${JSON.stringify(scripts)} for fr, de`,
    );
    say('the content.created event goes to the bus; the localization service translates and writes back …');
    const done = await waitFor(
      'translations for fr and de in the entity metadata',
      async () => {
        const r = await ctx.call<Entity>('GET', `/api/content/${item.id}`);
        const t = r.status === 200 ? translationsOf(r.body)?.scripts_translations : undefined;
        return t?.fr && t.de ? r.body : undefined;
      },
      60_000,
    );
    const loc = translationsOf(done)!;
    for (const [locale, texts] of Object.entries(loc.scripts_translations ?? {}))
      detail(`${locale}: ${JSON.stringify(texts)}`);
    say(`translated by provider "${loc.provider}"; the entity is now at version ${done.version}`);

    say('changing one script: only that field is translated again');
    await ctx.must('PATCH', `/api/content/${item.id}`, {
      metadata: { service_specific: { localization: { scripts: { cta: 'Join now' } } } },
    });
    const again = await waitFor(
      'the changed field translated',
      async () => {
        const r = await ctx.call<Entity>('GET', `/api/content/${item.id}`);
        const fr = r.status === 200 ? translationsOf(r.body)?.scripts_translations?.fr : undefined;
        return fr?.cta?.includes('Join now') ? r.body : undefined;
      },
      60_000,
    );
    const fr = translationsOf(again)?.scripts_translations?.fr ?? {};
    if (!fr.title?.includes('Summer launch'))
      throw new DemoFailed('the unchanged title lost its translation');
    detail(`fr: ${JSON.stringify(fr)}`);
    await ctx.call('DELETE', `/api/content/${item.id}`);
    say(`deleted content ${item.id}`);
  },
};
