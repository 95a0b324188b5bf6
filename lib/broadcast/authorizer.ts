/**
 * The Event API's Lambda authorizer: who may connect to live campaigns' channels and subscribe
 * to one. AppSync Events calls it for every connect and subscribe (the namespace's subscribe
 * and the API's connection auth mode is AWS_LAMBDA); publishing is authorized by IAM alone,
 * and a publish that reaches the authorizer anyway is refused.
 *
 * - `EVENT_CONNECT`: a valid Tempora token (an API token, or a live token), as
 *   `Authorization: <token>` or `Bearer <token>` in the connection's auth header;
 * - `EVENT_SUBSCRIBE`: that, and a campaign channel (`/campaigns/<id>`, no wildcard) whose
 *   campaign the token may watch (./watch-access.ts: the same rule as `GET …/live` and the
 *   WebSocket `$connect`);
 * - anything else: refused.
 *
 * Every answer has `ttlOverride: 0`: a decision depends on the channel, and AppSync caches an
 * answer by token, so none may be reused for another subscribe.
 */
import { isTemporaError } from '../errors.ts';
import { campaignOfChannel } from './channels.ts';
import type { Watcher } from './live-token.ts';
import type { BroadcastLog } from './tick-sender.ts';
import { mayWatch, type WatchDeps } from './watch-access.ts';

/** What AppSync Events sends a Lambda authorizer. */
export interface EventsAuthorizerEvent {
  authorizationToken?: string;
  requestContext?: {
    apiId?: string;
    requestId?: string;
    operation?: string;
    channelNamespaceName?: string | null;
    channel?: string | null;
  };
}

export interface EventsAuthorizerResult {
  isAuthorized: boolean;
  ttlOverride: number;
  handlerContext?: Record<string, string>;
}

export interface EventsAuthorizerDeps extends WatchDeps {
  verify: (token: string) => Promise<Watcher>;
  log: BroadcastLog;
}

const bearer = (raw: string | undefined): string => (raw ?? '').trim().replace(/^Bearer\s+/i, '');

export function eventsAuthorizer(deps: EventsAuthorizerDeps) {
  return async (event: EventsAuthorizerEvent): Promise<EventsAuthorizerResult> => {
    const operation = event.requestContext?.operation ?? '';
    const channel = event.requestContext?.channel ?? '';
    const refuse = (reason: string): EventsAuthorizerResult => {
      deps.log('info', 'events authorizer refused', { operation, channel, reason });
      return { isAuthorized: false, ttlOverride: 0 };
    };
    if (operation === 'EVENT_PUBLISH') return refuse('only the broadcaster publishes (IAM)');
    if (operation !== 'EVENT_CONNECT' && operation !== 'EVENT_SUBSCRIBE') return refuse('unknown operation');
    const token = bearer(event.authorizationToken);
    if (token === '') return refuse('no token');
    let watcher: Watcher;
    try {
      watcher = await deps.verify(token);
    } catch (e) {
      return refuse(isTemporaError(e) ? e.message : 'token check failed');
    }
    const context = { sub: watcher.sub, role: watcher.role };
    if (operation === 'EVENT_CONNECT') return { isAuthorized: true, ttlOverride: 0, handlerContext: context };
    const campaignId = campaignOfChannel(channel);
    if (campaignId === undefined) return refuse('not a campaign channel');
    try {
      await mayWatch(watcher, campaignId, deps);
    } catch (e) {
      if (!isTemporaError(e)) deps.log('warn', 'events authorizer failed', { error: String(e) });
      return refuse(isTemporaError(e) ? e.message : 'could not check the campaign');
    }
    return { isAuthorized: true, ttlOverride: 0, handlerContext: context };
  };
}
