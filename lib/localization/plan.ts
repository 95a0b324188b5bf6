/**
 * The pure part of localization: read `service_specific.localization` of an entity's
 * metadata, decide which (locale, field) pairs need translating, and build the metadata
 * update that records the result.
 *
 * `service_specific.localization`:
 *   scripts               { <field>: text }            source texts (nested objects are flattened: `a.b`)
 *   locales               [<locale>]                   target locales
 *   source_locale         <locale>                     default `en`
 *   scripts_translations  { <locale>: { <field>: text } }   written by the localization service
 *   source_hash           sha256 of scripts + locales + source locale, as last translated
 *   field_hashes          { <field>: sha256(text) }    each field's text as last translated
 *
 * A pair needs translating when its translation is missing or its field's text changed
 * since (field hash differs). Nothing to translate → no write, hence no event loop.
 */
import { createHash } from 'node:crypto';
import { idempotencyKey, type Metadata } from '../entity-metadata/index.ts';

export const DEFAULT_SOURCE_LOCALE = 'en';
/** Fields and locales handled per entity (beyond: ignored, logged). */
export const MAX_FIELDS = 100;
export const MAX_LOCALES = 20;

export interface LocalizationState {
  scripts: Record<string, string>;
  locales: string[];
  sourceLocale: string;
  translations: Record<string, Record<string, string>>;
  fieldHashes: Record<string, string>;
  sourceHash: string | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ a: { b: 'x' }, c: 'y' }` → `{ 'a.b': 'x', c: 'y' }` (non-string leaves are ignored). */
export function flattenScripts(
  v: unknown,
  prefix = '',
  out: Record<string, string> = {},
): Record<string, string> {
  if (!isRecord(v)) return out;
  for (const [k, child] of Object.entries(v)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof child === 'string') out[key] = child;
    else if (isRecord(child)) flattenScripts(child, key, out);
  }
  return out;
}

/** The localization namespace of `metadata`, or undefined when it has no scripts or no locales. */
export function readLocalization(metadata: Metadata | undefined): LocalizationState | undefined {
  const ns = metadata?.service_specific?.localization;
  if (!isRecord(ns)) return undefined;
  const scripts = Object.fromEntries(Object.entries(flattenScripts(ns.scripts)).slice(0, MAX_FIELDS));
  const locales = Array.isArray(ns.locales)
    ? [...new Set(ns.locales.filter((l): l is string => typeof l === 'string' && l.length > 0))].slice(
        0,
        MAX_LOCALES,
      )
    : [];
  if (Object.keys(scripts).length === 0 || locales.length === 0) return undefined;
  const translations: Record<string, Record<string, string>> = {};
  if (isRecord(ns.scripts_translations)) {
    for (const [locale, byField] of Object.entries(ns.scripts_translations)) {
      if (isRecord(byField))
        translations[locale] = Object.fromEntries(
          Object.entries(byField).filter((e): e is [string, string] => typeof e[1] === 'string'),
        );
    }
  }
  const fieldHashes = isRecord(ns.field_hashes)
    ? Object.fromEntries(
        Object.entries(ns.field_hashes).filter((e): e is [string, string] => typeof e[1] === 'string'),
      )
    : {};
  return {
    scripts,
    locales,
    sourceLocale:
      typeof ns.source_locale === 'string' && ns.source_locale ? ns.source_locale : DEFAULT_SOURCE_LOCALE,
    translations,
    fieldHashes,
    sourceHash: typeof ns.source_hash === 'string' ? ns.source_hash : undefined,
  };
}

/** Content hash of what a translation is made from: the scripts, the locales, the source locale. */
export function sourceHashOf(s: Pick<LocalizationState, 'scripts' | 'locales' | 'sourceLocale'>): string {
  return idempotencyKey({
    scripts: s.scripts,
    locales: [...s.locales].sort(),
    source_locale: s.sourceLocale,
  });
}

export const textHash = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface TranslationPlan {
  /** Per target locale, the fields to translate (source locale entries are copies, never sent). */
  byLocale: Record<string, string[]>;
  /** Number of (locale, field) pairs to write. */
  size: number;
  sourceHash: string;
}

/** Which (locale, field) pairs are missing or stale. Empty plan = nothing to write. */
export function planTranslations(s: LocalizationState): TranslationPlan {
  const byLocale: Record<string, string[]> = {};
  let size = 0;
  for (const locale of s.locales) {
    const existing = s.translations[locale] ?? {};
    const fields = Object.keys(s.scripts).filter((f) => {
      const text = s.scripts[f] ?? '';
      return existing[f] === undefined || s.fieldHashes[f] !== textHash(text);
    });
    if (fields.length > 0) {
      byLocale[locale] = fields;
      size += fields.length;
    }
  }
  return { byLocale, size, sourceHash: sourceHashOf(s) };
}

/**
 * The metadata update recording `translated` (`{ locale: { field: text } }`): merged into
 * the entity's metadata by the entity store (deep merge), so untouched pairs stay.
 */
export function translationUpdate(
  s: LocalizationState,
  plan: TranslationPlan,
  translated: Record<string, Record<string, string>>,
  extra: { provider: string; at: string },
): Metadata {
  return {
    service_specific: {
      localization: {
        scripts_translations: translated,
        source_hash: plan.sourceHash,
        field_hashes: Object.fromEntries(Object.entries(s.scripts).map(([f, t]) => [f, textHash(t)])),
        translated_at: extra.at,
        provider: extra.provider,
      },
    },
  };
}
