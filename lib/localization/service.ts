/**
 * The localization handler (seed 004, "Generic Localization Event Handler Pattern"): on an
 * entity's `created`/`updated` event, if its metadata has `service_specific.localization.scripts`
 * and `locales`, translate the new or changed fields into every locale and write
 * `scripts_translations` back to the entity and its `_metadata_master` row (one entity-store
 * transaction of the owning service), together with a `localization.translated` event.
 *
 * No event loop: the service ignores its own writes, and an entity whose scripts were
 * already translated (same content hash, nothing missing) causes no write at all.
 * Provider failure: nothing is written and the error is rethrown, so the event is retried
 * (Lambda's asynchronous retries) and finally lands in the service's dead-letter queue.
 */

import type { Metadata } from '../entity-metadata/index.ts';
import { isTemporaError } from '../errors.ts';
import { buildEnvelope, type EventEnvelope } from '../events/envelope.ts';
import { logger, metrics } from '../observability.ts';
import type { EntityStore } from '../store/entity-store.ts';
import { planTranslations, readLocalization, translationUpdate } from './plan.ts';
import type { TranslationProvider } from './provider.ts';

/** The principal the localization service writes as; its own events never feed back. */
export const LOCALIZATION_ACTOR = { sub: 'tempora.localization', role: 'service' } as const;
const MAX_CONFLICT_RETRIES = 3;

export type Outcome =
  | 'ignored' // not an entity change, or the service's own write
  | 'no_scripts'
  | 'gone' // entity deleted meanwhile
  | 'up_to_date' // same hash / nothing missing: no write
  | 'rejected' // the entity refused the update (validation, size): logged, not retried
  | 'translated';

export interface LocalizationDeps {
  /** The entity store of the service owning an entity type. */
  storeFor: (entityType: string) => EntityStore | undefined;
  provider: TranslationProvider;
  environment: string;
  now?: () => Date;
}

export class LocalizationService {
  constructor(private readonly deps: LocalizationDeps) {}

  async onEvent(envelope: EventEnvelope): Promise<Outcome> {
    if (!/\.(created|updated)$/.test(envelope.type)) return 'ignored';
    if (envelope.source === 'tempora.localization' || envelope.actor.id === LOCALIZATION_ACTOR.sub)
      return 'ignored';
    // Cheap pre-filter on the event's own metadata: no scripts, or already translated.
    const fromEvent = readLocalization(envelope.metadata);
    if (!fromEvent) return 'no_scripts';
    if (planTranslations(fromEvent).size === 0) return 'up_to_date';
    const store = this.deps.storeFor(envelope.entity.type);
    if (!store) {
      logger.warn('no entity store for event entity type', { entity_type: envelope.entity.type });
      return 'ignored';
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.translateCurrent(store, envelope);
      } catch (e) {
        // The entity changed between our read and write: re-read (the latest scripts win).
        const conflict = isTemporaError(e) && e.status === 409;
        if (conflict && attempt < MAX_CONFLICT_RETRIES) continue;
        if (isTemporaError(e) && (e.status === 400 || e.status === 413)) {
          logger.error('entity refused its translations', { error: e, entity: envelope.entity });
          metrics.addMetric('TranslationRejected', 'Count', 1);
          return 'rejected';
        }
        throw e;
      }
    }
  }

  /** Translate from the entity's current metadata (not the event's: a newer write may exist). */
  private async translateCurrent(store: EntityStore, envelope: EventEnvelope): Promise<Outcome> {
    const id = envelope.entity.id;
    const row = await store.masterRow(id);
    if (!row) return 'gone';
    const state = readLocalization(row.metadata as Metadata | undefined);
    if (!state) return 'no_scripts';
    const plan = planTranslations(state);
    if (plan.size === 0) return 'up_to_date';

    const translated: Record<string, Record<string, string>> = {};
    for (const [locale, fields] of Object.entries(plan.byLocale)) {
      const texts = fields.map((f) => state.scripts[f] ?? '');
      // The source locale is a copy; every other locale goes to the provider (throws on failure).
      const out =
        locale === state.sourceLocale
          ? texts
          : await this.deps.provider.translate(texts, state.sourceLocale, locale);
      if (out.length !== texts.length)
        throw new Error(`provider returned ${out.length} of ${texts.length} texts`);
      translated[locale] = Object.fromEntries(fields.map((f, i) => [f, out[i] ?? '']));
    }

    const version = Number(row.version);
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    const event = buildEnvelope({
      type: 'localization.translated',
      service: 'localization',
      environment: this.deps.environment,
      correlationId: envelope.correlation_id,
      actor: { id: LOCALIZATION_ACTOR.sub, role: LOCALIZATION_ACTOR.role },
      entity: { type: envelope.entity.type, id, version: version + 1 },
      payload: {
        locales: Object.keys(translated),
        fields: [...new Set(Object.values(plan.byLocale).flat())],
        pairs: plan.size,
        source_hash: plan.sourceHash,
        provider: this.deps.provider.name,
        trigger: { id: envelope.id, type: envelope.type },
      },
    });
    await store.patch(
      id,
      { metadata: translationUpdate(state, plan, translated, { provider: this.deps.provider.name, at }) },
      { actor: LOCALIZATION_ACTOR, correlationId: envelope.correlation_id, system: true },
      version,
      { alsoEmit: [event] },
    );
    metrics.addMetric('TranslationsWritten', 'Count', plan.size);
    logger.info('translations written', { entity: envelope.entity, pairs: plan.size });
    return 'translated';
  }
}
