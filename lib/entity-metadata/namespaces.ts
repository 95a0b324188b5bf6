/**
 * Schemas of the known `service_specific` namespaces of the canonical metadata.
 *
 * Each namespace is a loose object: extra keys are kept, known keys are type-checked
 * (in strict validation only; lenient validation accepts any object). A service that
 * owns a new namespace registers it once at module load with {@link registerNamespace}.
 */
import * as z from 'zod/mini';
import { ISO_DURATION_RE } from './constants.ts';
import { FORMULA_MAX_LENGTH, formulaProblem } from './formula.ts';

export { ISO_DURATION_RE } from './constants.ts';

/**
 * `service_specific.campaign.ranking.formula`: how the leaderboard ranks (lib/entity-metadata/formula.ts);
 * a bad formula is a 400 naming its first bad token and that token's position.
 */
export const rankingFormulaSchema = z.string().check(
  z.maxLength(FORMULA_MAX_LENGTH, `must be at most ${FORMULA_MAX_LENGTH} characters`),
  z.superRefine((src, ctx) => {
    const problem = src.length > FORMULA_MAX_LENGTH ? undefined : formulaProblem(src);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: problem.message,
        input: src,
        params: { token: problem.token, position: problem.position },
      });
  }),
);

/** `service_specific.campaign`: live broadcast state of a campaign. */
export const campaignNamespace = z.looseObject({
  broadcast_enabled: z.optional(z.boolean()),
  /** `on_change`: a frame only when the payload changed, plus heartbeats (docs/broadcast.md). */
  broadcast_mode: z.optional(z.enum(['every_tick', 'on_change'])),
  /** How frames reach clients: API Gateway WebSocket posts, AppSync Events, or chosen by audience (docs/broadcast.md). */
  transport: z.optional(z.enum(['auto', 'websocket', 'events'])),
  /** Delta clients get a full `campaign.state` every K frames (default 20; 1: always full; docs/broadcast.md). */
  delta_every: z.optional(z.int().check(z.gte(1), z.lte(1000))),
  /** The events transport also publishes `campaign.delta` frames on `/campaigns/<id>/delta` (one more publish per tick). */
  delta_channel: z.optional(z.boolean()),
  leaderboard: z.optional(z.array(z.looseObject({ user: z.string(), score: z.number() }))),
  /** How the leaderboard ranks: by `formula` over score, scores.<name>, joined_at (default: score). */
  ranking: z.optional(z.looseObject({ formula: z.optional(rankingFormulaSchema) })),
  live_participant_count: z.optional(z.int().check(z.gte(0))),
  /** How long after `scheduling.end_time` the campaign is archived (default: the registry's `archiveAfterEnd`, P30D). */
  archive_after: z.optional(
    z
      .string()
      .check(z.maxLength(32), z.regex(ISO_DURATION_RE, 'must be an ISO 8601 duration such as P30D or PT10M')),
  ),
});

/** `service_specific.content`: editorial hints. */
export const contentNamespace = z.looseObject({
  topics: z.optional(z.array(z.string())),
  editor_mode: z.optional(z.string()),
});

/** `service_specific.user`: personalisation. `preferred_language` is a BCP 47-like tag. */
export const userNamespace = z.looseObject({
  interests: z.optional(z.array(z.string())),
  preferred_language: z.optional(
    z
      .string()
      .check(
        z.maxLength(35),
        z.regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag, e.g. "en" or "pt-BR"'),
      ),
  ),
});

/** `service_specific.localization`: source texts per field and their translations per locale. */
export const localizationNamespace = z.looseObject({
  scripts: z.optional(z.record(z.string(), z.string())),
  locales: z.optional(z.array(z.string())),
  scripts_translations: z.optional(z.record(z.string(), z.record(z.string(), z.string()))),
});

/** `service_specific.commerce`: payment settings. */
export const commerceNamespace = z.looseObject({
  payment_window: z.optional(z.string()),
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
 * service of that name (test/unit/entity-metadata/namespaces.test.ts). Metadata is below the registry, so the
 * registry is built from this list rather than the other way round.
 */
export const SERVICE_NAMESPACES = {
  campaign: campaignNamespace,
  content: contentNamespace,
  user: userNamespace,
  localization: localizationNamespace,
  commerce: commerceNamespace,
} as const satisfies Record<string, z.ZodMiniType>;

/** A namespace a registry service may own. */
export type ServiceNamespace = keyof typeof SERVICE_NAMESPACES;

/**
 * The known namespaces, by name: {@link SERVICE_NAMESPACES} plus any registered since. Read it
 * freely; add to it only through {@link registerNamespace} so that cached metadata schemas are rebuilt.
 */
export const knownNamespaces: Record<string, z.ZodMiniType> = { ...SERVICE_NAMESPACES };

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
export function registerNamespace(name: string, schema: z.ZodMiniType): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || RESERVED_NAMES.has(name)) {
    throw new Error(`Invalid metadata namespace name: ${JSON.stringify(name)}`);
  }
  if (Object.hasOwn(knownNamespaces, name)) {
    throw new Error(`Metadata namespace already registered: ${name}`);
  }
  knownNamespaces[name] = schema;
  revision += 1;
}
