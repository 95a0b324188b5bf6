/**
 * Errors with an HTTP meaning. Anything thrown in lib/ that a client caused is a
 * TemporaError; the HTTP error middleware turns it into the contract shape
 * `{ error: { code, message, details? } }`. Anything else is a real fault (500).
 */
import './config/zod.ts';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `metadata.scheduling.frequency`. */
  path: string;
  message: string;
}

export class TemporaError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** Response headers the answer carries (`WWW-Authenticate`, `Retry-After`). */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    details?: unknown,
    headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'TemporaError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  toBody(): { error: { code: string; message: string; details?: unknown } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const isTemporaError = (e: unknown): e is TemporaError => e instanceof TemporaError;

/** 400 naming every invalid field by path. */
export const validationError = (issues: FieldIssue[], message?: string): TemporaError =>
  new TemporaError(
    400,
    'validation_failed',
    message ?? `Invalid request: ${issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ')}`,
    { issues },
  );

export const badRequest = (message: string, details?: unknown): TemporaError =>
  new TemporaError(400, 'bad_request', message, details);

export const unauthorized = (message = 'A valid bearer token is required'): TemporaError =>
  new TemporaError(401, 'unauthorized', message);

export const forbidden = (message: string, details?: unknown): TemporaError =>
  new TemporaError(403, 'forbidden', message, details);

export const notFound = (message: string, details?: unknown): TemporaError =>
  new TemporaError(404, 'not_found', message, details);

export const conflict = (message: string, details?: unknown): TemporaError =>
  new TemporaError(409, 'conflict', message, details);

export const payloadTooLarge = (message: string, details?: unknown): TemporaError =>
  new TemporaError(413, 'payload_too_large', message, details);

export const unsupportedMediaType = (message: string): TemporaError =>
  new TemporaError(415, 'unsupported_media_type', message);

/** Convert zod-like issues (path arrays) to dotted FieldIssues under an optional prefix. */
export const toFieldIssues = (
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; keys?: readonly string[] }>,
  prefix = '',
): FieldIssue[] =>
  issues.flatMap((i) => {
    // An "unrecognized keys" issue names its keys: report each one at its own path.
    if (i.keys?.length)
      return i.keys.map((k) => ({ path: dotted(prefix, [...i.path, k]), message: 'unknown field' }));
    return [{ path: dotted(prefix, i.path), message: i.message }];
  });

const dotted = (prefix: string, path: ReadonlyArray<PropertyKey>): string => {
  const p = path.map((s) => (typeof s === 'number' ? `[${s}]` : String(s))).join('.');
  return [prefix, p].filter(Boolean).join('.').replace(/\.\[/g, '[');
};
