/**
 * A value loaded from a remote source and kept: the platform's signing keys (Secrets Manager) and
 * each trusted issuer's public keys (its JWKS). One load at a time (callers share it), reloaded
 * after `maxAgeMs`, forced early by a key id the cached value lacks (`refresh()`), at most once per
 * `cooldownMs` (a flood of unknown key ids costs one fetch per cooldown), and after a failed load not again
 * before `retryMs`. When a reload fails the cached value keeps serving (stale if error): tokens
 * signed with known keys keep working while the source is down.
 */

/** The source could not be loaded and nothing is cached: answer 503 with `Retry-After`. */
export class SourceUnavailable extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('source unavailable');
  }
}

export interface RefreshingOptions {
  /** Age after which the value is reloaded on next use. */
  maxAgeMs: number;
  /** Shortest time between two forced reloads (`refresh()`). */
  cooldownMs: number;
  /** Shortest time between a failed load and the next attempt. */
  retryMs: number;
  now?: () => number;
}

/** What a forced reload did. */
export type RefreshOutcome = 'refreshed' | 'rate_limited' | 'failed';

export interface Refreshing<T> {
  /** The cached value (loaded first, or again once stale); throws {@link SourceUnavailable} when there is none. */
  get(): Promise<T>;
  /** Reload now, unless one ran within the cooldown (or a failed one within the retry delay). */
  refresh(): Promise<RefreshOutcome>;
  /** Seconds until the next load may be attempted (at least 1): the `Retry-After` of a 503. */
  retryAfterSeconds(): number;
}

export function refreshing<T>(load: () => Promise<T>, opts: RefreshingOptions): Refreshing<T> {
  const now = opts.now ?? Date.now;
  let value: T | undefined;
  let loadedAt = 0;
  let tried = Number.NEGATIVE_INFINITY;
  let forced = Number.NEGATIVE_INFINITY;
  let failed = false;
  let running: Promise<boolean> | undefined;

  /** After a failure, not before the retry delay; a forced reload, not within the cooldown of the last one. */
  const mayTry = (force: boolean) =>
    failed ? now() - tried >= opts.retryMs : !force || now() - forced >= opts.cooldownMs;
  const reload = (): Promise<boolean> => {
    running ??= (async () => {
      tried = now();
      try {
        value = await load();
        loadedAt = now();
        failed = false;
      } catch {
        failed = true;
      }
      return !failed;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const retryAfterSeconds = () =>
    Math.max(1, Math.ceil(((failed ? tried + opts.retryMs : forced + opts.cooldownMs) - now()) / 1000));

  return {
    async get() {
      if ((value === undefined || now() - loadedAt >= opts.maxAgeMs) && mayTry(false)) await reload();
      if (value === undefined) throw new SourceUnavailable(retryAfterSeconds());
      return value;
    },
    async refresh() {
      if (running) return (await running) ? 'refreshed' : 'failed';
      if (!mayTry(true)) return failed ? 'failed' : 'rate_limited';
      forced = now();
      return (await reload()) ? 'refreshed' : 'failed';
    },
    retryAfterSeconds,
  };
}
