/**
 * HTTP publish to an AppSync Event API channel: `POST /event` `{ channel, events: [<json
 * string>…] }`, signed with SigV4 (service `appsync`) by the broadcaster's IAM role: the only
 * publisher (the namespace allows publishing by IAM alone; clients can only subscribe).
 *
 * It goes through the same lean signed client as `PostToConnection` (./signed-client.ts):
 * kept-alive sockets, SigV4 on `node:crypto`, no SDK command stack. AWS allows at most 5
 * events per publish and 240 KB per event ({@link MAX_EVENTS_PER_PUBLISH},
 * {@link MAX_EVENT_BYTES}); a frame is at most ~17 KB (docs/broadcast.md, Limits).
 *
 * Outcomes, as for a post: `2xx` with no failed event → `'ok'`; `429` → `'throttled'` (the
 * frame is dropped, never retried: the next tick supersedes it); anything else — another
 * status, a failed event, no answer within the timeout — throws a {@link PublishError}.
 */
import type { CredentialSource } from './credentials.ts';
import { errorCodeOf, SignedClient, WireError } from './signed-client.ts';
import { regionOfEndpoint } from './signed-post.ts';
import { headerOf } from './wire.ts';

export const MAX_EVENTS_PER_PUBLISH = 5;
export const MAX_EVENT_BYTES = 240 * 1024;

export type PublishResult = 'ok' | 'throttled';

/** A publish that failed (status 0: no answer). */
export class PublishError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

/** Publishes events to channels of one Event API. */
export type Publish = (channel: string, events: readonly string[]) => Promise<PublishResult>;

export interface EventPublisherOptions {
  region?: string;
  credentials?: CredentialSource;
  maxSockets?: number;
  requestTimeoutMs?: number;
  now?: () => number;
  onCredentialsError?: (error: unknown) => void;
}

export class EventPublisher {
  readonly #client: SignedClient;

  /** `publishUrl`: where to connect; `publishHost`: the API's HTTP host (`Host`, SigV4). */
  constructor(target: { publishUrl: string; publishHost: string }, opts: EventPublisherOptions = {}) {
    this.#client = new SignedClient(target.publishUrl, {
      region: opts.region ?? regionOfEndpoint(target.publishHost) ?? process.env.AWS_REGION ?? 'us-east-1',
      service: 'appsync',
      contentType: 'application/json',
      host: target.publishHost,
      maxSockets: opts.maxSockets ?? 8,
      requestTimeoutMs: opts.requestTimeoutMs ?? 3000,
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.onCredentialsError ? { onCredentialsError: opts.onCredentialsError } : {}),
    });
  }

  /** The publish as a {@link Publish} (bound). */
  readonly publish: Publish = async (channel, events) => {
    if (events.length === 0 || events.length > MAX_EVENTS_PER_PUBLISH)
      throw new RangeError(`a publish carries 1 to ${MAX_EVENTS_PER_PUBLISH} events, not ${events.length}`);
    const body = Buffer.from(JSON.stringify({ channel, events }), 'utf8');
    let answer: Awaited<ReturnType<SignedClient['post']>>;
    try {
      answer = await this.#client.post(`${this.#client.basePath}/event`, body);
    } catch (error) {
      if (error instanceof WireError) throw new PublishError(error.message, 0, error.code);
      throw error;
    }
    const text = answer.body.toString('utf8', 0, Math.min(answer.body.length, 2000));
    if (answer.status >= 200 && answer.status < 300) {
      if (/"failed"\s*:\s*\[\s*\{/.test(text))
        throw new PublishError(
          `publish answered failed events: ${text.slice(0, 300)}`,
          answer.status,
          'EventFailed',
        );
      return 'ok';
    }
    const code = headerOf(answer.head, 'x-amzn-errortype')?.split(':')[0] || errorCodeOf(text);
    if (answer.status === 429 || code === 'TooManyRequestsException') return 'throttled';
    throw new PublishError(
      `publish answered ${answer.status}: ${text.slice(0, 300)}`,
      answer.status,
      code || `Http${answer.status}`,
    );
  };

  close(): void {
    this.#client.close();
  }
}
