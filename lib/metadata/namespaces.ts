/**
 * Schemas of the known `service_specific` namespaces of the canonical metadata.
 *
 * Each namespace is a loose object: extra keys are kept, known keys are type-checked
 * (in strict validation only; lenient validation accepts any object). A service that
 * owns a new namespace registers it once at module load with {@link registerNamespace}.
 */
import * as z from 'zod';

/** ISO 8601 duration (`P90D`, `P1Y2M`, `PT15S`); lib/policy/duration.ts does the arithmetic. */
export const ISO_DURATION_RE =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** `service_specific.campaign`: live broadcast state of a campaign. */
export const campaignNamespace = z.looseObject({
  broadcast_enabled: z.boolean().optional(),
  /** `on_change`: a frame only when the payload changed, plus heartbeats (docs/broadcast.md). */
  broadcast_mode: z.enum(['every_tick', 'on_change']).optional(),
  leaderboard: z.array(z.looseObject({ user: z.string(), score: z.number() })).optional(),
  live_participant_count: z.int().min(0).optional(),
  /** How long after `scheduling.end_time` the campaign is archived (default: the registry's `archiveAfterEnd`, P30D). */
  archive_after: z
    .string()
    .max(32)
    .regex(ISO_DURATION_RE, 'must be an ISO 8601 duration such as P30D or PT10M')
    .optional(),
});

/** `service_specific.content`: editorial hints. */
export const contentNamespace = z.looseObject({
  topics: z.array(z.string()).optional(),
  editor_mode: z.string().optional(),
});

/** `service_specific.user`: personalisation. `preferred_language` is a BCP 47-like tag. */
export const userNamespace = z.looseObject({
  interests: z.array(z.string()).optional(),
  preferred_language: z
    .string()
    .max(35)
    .regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag, e.g. "en" or "pt-BR"')
    .optional(),
});

/** `service_specific.localization`: source texts per field and their translations per locale. */
export const localizationNamespace = z.looseObject({
  scripts: z.record(z.string(), z.string()).optional(),
  locales: z.array(z.string()).optional(),
  scripts_translations: z.record(z.string(), z.record(z.string(), z.string())).optional(),
});

/** `service_specific.commerce`: payment settings. */
export const commerceNamespace = z.looseObject({
  payment_window: z.string().optional(),
});

export type CampaignNamespace = z.infer<typeof campaignNamespace>;
export type ContentNamespace = z.infer<typeof contentNamespace>;
export type UserNamespace = z.infer<typeof userNamespace>;
export type LocalizationNamespace = z.infer<typeof localizationNamespace>;
export type CommerceNamespace = z.infer<typeof commerceNamespace>;

/**
 * The `service_specific` namespaces of the platform's services, by name: the one list. The
 * registry does not repeat it: a service's `namespace` (lib/registry/types.ts) is typed as a key
 * of this map, and a unit test checks that every namespace here is owned by exactly the registry
 * service of that name (test/unit/namespaces.test.ts). Metadata is below the registry, so the
 * registry is built from this list rather than the other way round.
 */
export const SERVICE_NAMESPACES = {
  campaign: campaignNamespace,
  content: contentNamespace,
  user: userNamespace,
  localization: localizationNamespace,
  commerce: commerceNamespace,
} as const satisfies Record<string, z.ZodType>;

/** A namespace a registry service may own. */
export type ServiceNamespace = keyof typeof SERVICE_NAMESPACES;

/**
 * The known namespaces, by name: {@link SERVICE_NAMESPACES} plus any registered since. Read it
 * freely; add to it only through {@link registerNamespace} so that cached metadata schemas are rebuilt.
 */
export const knownNamespaces: Record<string, z.ZodType> = { ...SERVICE_NAMESPACES };

/** Keys the merge drops (prototype pollution guard), so they can never name a namespace. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

let revision = 0;

/** Monotonic counter bumped by every registration; schema caches compare against it. */
export function namespacesRevision(): number {
  return revision;
}

/**
 * Register the schema of a further `service_specific` namespace (once, at module load).
 *
 * @throws Error when `name` is already registered, or is not a plain identifier.
 */
export function registerNamespace(name: string, schema: z.ZodType): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || RESERVED_NAMES.has(name)) {
    throw new Error(`Invalid metadata namespace name: ${JSON.stringify(name)}`);
  }
  if (Object.hasOwn(knownNamespaces, name)) {
    throw new Error(`Metadata namespace already registered: ${name}`);
  }
  knownNamespaces[name] = schema;
  revision += 1;
}
