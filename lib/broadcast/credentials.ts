/**
 * AWS credentials for the lean post path ({@link SignedPoster}): taken from the function's
 * environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, and
 * `AWS_CREDENTIAL_EXPIRATION` when set), which is where Lambda puts its role's credentials,
 * and refreshed before they expire.
 *
 * {@link RefreshingCredentials} hands out the cached credentials synchronously on the hot
 * path; once they are within `refreshBeforeMs` of their expiration (or older than
 * `maxAgeMs`, for credentials that do not say when they expire) it fetches new ones in the
 * background and keeps using the current ones until they arrive, so a burst never waits
 * on a refresh (no gap) unless the credentials have actually expired.
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When the credentials stop working, if known. */
  expiration?: Date;
}

/** Where credentials come from: called at start and for every refresh. */
export type CredentialSource = () => AwsCredentials | Promise<AwsCredentials>;

/** Credentials of the process environment (re-read at every call). */
export function fromEnvironment(env: NodeJS.ProcessEnv = process.env): CredentialSource {
  return () => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey)
      throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set in the environment');
    const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
    return {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
    };
  };
}

export interface RefreshingCredentialsOptions {
  /** Refresh this long before `expiration` (default 5 min). */
  refreshBeforeMs?: number;
  /** Refresh credentials without an expiration after this long (default 10 min). */
  maxAgeMs?: number;
  /** Epoch ms clock (default `Date.now`). */
  now?: () => number;
  /** Told about a failed background refresh (the current credentials stay in use). */
  onError?: (error: unknown) => void;
}

/** Cached credentials, refreshed ahead of their expiration (see the module comment). */
export class RefreshingCredentials {
  readonly #source: CredentialSource;
  readonly #refreshBeforeMs: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #onError: ((error: unknown) => void) | undefined;
  #current: AwsCredentials | undefined;
  #fetchedAt = 0;
  #pending: Promise<AwsCredentials> | undefined;
  /** Number of times the source was called (for tests and logs). */
  refreshes = 0;

  constructor(source: CredentialSource, opts: RefreshingCredentialsOptions = {}) {
    this.#source = source;
    this.#refreshBeforeMs = opts.refreshBeforeMs ?? 5 * 60_000;
    this.#maxAgeMs = opts.maxAgeMs ?? 10 * 60_000;
    this.#now = opts.now ?? Date.now;
    this.#onError = opts.onError;
  }

  /** The credentials to sign with now: the cached ones unless expired (then it waits). */
  get(): AwsCredentials | Promise<AwsCredentials> {
    const current = this.#current;
    if (current === undefined) return this.#refresh();
    const now = this.#now();
    const expiresAt = current.expiration?.getTime();
    if (expiresAt !== undefined && now >= expiresAt) return this.#refresh();
    const due =
      expiresAt === undefined
        ? now - this.#fetchedAt >= this.#maxAgeMs
        : now >= expiresAt - this.#refreshBeforeMs;
    if (due && this.#pending === undefined) {
      this.#refresh().catch((error: unknown) => this.#onError?.(error));
    }
    return current;
  }

  #refresh(): Promise<AwsCredentials> {
    this.#pending ??= (async () => {
      try {
        this.refreshes += 1;
        const fresh = await this.#source();
        this.#current = fresh;
        this.#fetchedAt = this.#now();
        return fresh;
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }
}
