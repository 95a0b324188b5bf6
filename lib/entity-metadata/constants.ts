/**
 * Plain constants of the metadata contract, in a module without schemas: a function that only
 * needs a number or a pattern (the broadcaster's rate limits, the registry's duration fields)
 * imports them from here and so does not bundle the metadata schema (zod constructions at the
 * top of a module are kept whenever the module is imported).
 */

/** Highest accepted `scheduling.frequency`, in Hz. */
export const MAX_FREQUENCY_HZ = 50;
/** Broadcast frequency to use when `scheduling.frequency` is absent (never injected by parsing). */
export const DEFAULT_FREQUENCY_HZ = 1;

/** ISO 8601 duration (`P90D`, `P1Y2M`, `PT15S`); lib/policy/duration.ts does the arithmetic. */
export const ISO_DURATION_RE =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
