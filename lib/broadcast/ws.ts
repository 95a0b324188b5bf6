/**
 * The WebSocket routes: `$connect`, `$disconnect` and `$default`.
 *
 * `$connect` `?campaign_id=&user_id=&token=[&frames=full|delta][&last_seq=<n>]`: the token (an
 * API token of any trusted issuer, or a live token for this campaign) must pass the platform's
 * one check (lib/auth/verify.ts: its 401, 403 or 503 is the answer) and a `user` token may
 * connect only as its own user id; its holder must be
 * allowed to watch the campaign (./watch-access.ts: the rule `GET …/live` and the Event API's
 * authorizer apply too), the campaign must exist, and the participant must fit under
 * `custom_rules.max_participants` (counted atomically, see connections.ts). A refusal is a
 * non-2xx status with the contract error body `{ error: { code, message } }`; API Gateway
 * refuses the handshake with that status.
 *
 * `$default` (every message): rate limit, size, JSON, action; answers are frames posted
 * through the management API (the route's return body is not sent to clients on AWS), and
 * a bad message only ever gets an error frame: the connection stays open.
 */

import type { Verifier } from '../auth/verify.ts';
import { isTemporaError } from '../errors.ts';
import type { WsEvent } from '../lambda-kit/ws.ts';
import { CAMPAIGN_ID_RE } from './campaigns.ts';
import { type ConnectionRecord, type ConnectionStore, maxParticipantsOf } from './connections.ts';
import type { PostToConnection } from './fanout.ts';
import type { LeaderboardStore } from './leaderboard.ts';
import type { Watcher } from './live-token.ts';
import {
  bodyBytes,
  errorFrame,
  parseClientMessage,
  pongFrame,
  scoreFrame,
  userIdSchema,
} from './messages.ts';
import type { CampaignSnapshot } from './phase.ts';
import type { FixedWindowRateLimiter } from './rate-limit.ts';

/** The parts of an API Gateway WebSocket event the routes read (the kit's {@link WsEvent} and more). */
export interface WebSocketEvent extends WsEvent {
  queryStringParameters?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WebSocketResult {
  statusCode: number;
  body?: string;
}

export interface WebSocketDeps {
  connections: Pick<ConnectionStore, 'connect' | 'lookup' | 'remove'>;
  leaderboard: Pick<LeaderboardStore, 'add'>;
  limiter: FixedWindowRateLimiter<ConnectionRecord>;
  /** Send one frame to one connection (the management API). */
  post: PostToConnection;
  /** The platform's token check (lib/auth/verify.ts `verifyBearer`), asked with `{ live: true }`. */
  verify: Verifier;
  /** The campaign, when the watcher may watch it (throws a 403/404 TemporaError otherwise: ./watch-access.ts). */
  watch: (watcher: Watcher, campaignId: string) => Promise<CampaignSnapshot>;
  maxMessageBytes: number;
  /**
   * Called after a connection is accepted (TickerWatch.onConnect: make sure the campaign's
   * ticker runs); its failure is logged, the connection stays accepted.
   */
  onConnected?: (campaign: CampaignSnapshot, correlationId: string) => Promise<string>;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
}

const refuse = (statusCode: number, code: string, message: string): WebSocketResult => ({
  statusCode,
  body: JSON.stringify({ error: { code, message } }),
});
const OK: WebSocketResult = { statusCode: 200 };

/**
 * `last_seq` of a reconnecting client: a non-negative integer, else null (the client then gets
 * a plain snapshot with `resumed: { from: null }`; a bad `last_seq` never refuses the connection).
 */
export function lastSeqOf(raw: string): number | null {
  if (!/^\d{1,15}$/.test(raw)) return null;
  return Number(raw);
}

/** The three routes over their ports; {@link webSocketHandler} picks one per event. */
export class WebSocketRoutes {
  readonly #now: () => number;
  readonly #log: NonNullable<WebSocketDeps['log']>;

  constructor(private readonly deps: WebSocketDeps) {
    this.#now = this.deps.now ?? Date.now;
    this.#log = this.deps.log ?? (() => undefined);
  }

  async #reply(connectionId: string, frame: string): Promise<void> {
    try {
      await this.deps.post(connectionId, frame);
    } catch (e) {
      this.#log('warn', 'could not answer a client', { connectionId, error: String(e) });
    }
  }

  async connect(event: WebSocketEvent): Promise<WebSocketResult> {
    const q = event.queryStringParameters ?? {};
    const connectionId = event.requestContext.connectionId;
    const campaignId = q.campaign_id ?? '';
    const user = userIdSchema.safeParse(q.user_id ?? '');
    if (!CAMPAIGN_ID_RE.test(campaignId))
      return refuse(400, 'bad_request', 'Query parameter campaign_id is required (letters, digits, _ or -)');
    if (!user.success)
      return refuse(
        400,
        'bad_request',
        'Query parameter user_id is required (1-128 letters, digits or _ . @ : -)',
      );
    const frames = q.frames ?? 'full';
    if (frames !== 'full' && frames !== 'delta')
      return refuse(400, 'bad_request', 'Query parameter frames must be "full" or "delta"');
    if (!q.token) return refuse(401, 'unauthorized', 'Query parameter token (a bearer JWT) is required');
    const verdict = await this.deps.verify(q.token, { live: true });
    // 401, 403 (a trusted issuer's token that maps to no role) or 503 (its keys cannot be fetched).
    if (!verdict.ok) return refuse(verdict.refusal.status, verdict.refusal.code, verdict.refusal.reason);
    const watcher = verdict.principal;
    if (watcher.role === 'user' && watcher.sub !== user.data)
      return refuse(403, 'forbidden', `A user token may only connect as its own user (${watcher.sub})`);
    let campaign: CampaignSnapshot;
    try {
      campaign = await this.deps.watch(watcher, campaignId);
    } catch (e) {
      if (isTemporaError(e) && e.status < 500) return refuse(e.status, e.code, e.message);
      throw e;
    }
    const max = maxParticipantsOf(campaign.metadata.custom_rules as Record<string, unknown> | undefined);
    const outcome = await this.deps.connections.connect({
      campaignId,
      connectionId,
      userId: user.data,
      maxParticipants: max,
      nowMs: this.#now(),
      deltas: frames === 'delta',
      ...(q.last_seq === undefined ? {} : { resumeFrom: lastSeqOf(q.last_seq) }),
    });
    if (outcome === 'full')
      return refuse(
        403,
        'max_participants_reached',
        `Campaign "${campaignId}" is full (max_participants ${max})`,
      );
    this.#log('info', 'connected', { campaignId, connectionId, user: user.data });
    if (this.deps.onConnected) {
      // The reconcile trigger (a ticker that died is restarted); never refuses the client.
      try {
        const ticker = await this.deps.onConnected(campaign, event.requestContext.requestId ?? connectionId);
        if (ticker !== 'alive' && ticker !== 'not_live')
          this.#log('info', 'ticker checked', { campaignId, ticker });
      } catch (e) {
        this.#log('warn', 'ticker check failed', { campaignId, error: String(e) });
      }
    }
    return OK;
  }

  async disconnect(event: WebSocketEvent): Promise<WebSocketResult> {
    const connectionId = event.requestContext.connectionId;
    const record = await this.deps.connections.lookup(connectionId);
    if (record) await this.deps.connections.remove(record.campaignId, connectionId);
    return OK;
  }

  async message(event: WebSocketEvent): Promise<WebSocketResult> {
    const connectionId = event.requestContext.connectionId;
    const raw = bodyBytes(event.body, event.isBase64Encoded);
    const verdict = await this.deps.limiter.hit(connectionId);
    if ('missing' in verdict) {
      await this.#reply(
        connectionId,
        errorFrame('unknown_connection', 'This connection is not registered; reconnect'),
      );
      return OK;
    }
    if (!verdict.allowed) {
      if (verdict.notify) {
        await this.#reply(
          connectionId,
          errorFrame(
            'rate_limited',
            `More than ${this.deps.limiter.limit} messages in ${this.deps.limiter.windowMs} ms: further messages are dropped until the window ends`,
          ),
        );
      }
      return OK;
    }
    const parsed = parseClientMessage(raw, this.deps.maxMessageBytes);
    if (!parsed.ok) {
      await this.#reply(connectionId, errorFrame(parsed.code, parsed.message, parsed.id));
      return OK;
    }
    const msg = parsed.message;
    if (msg.action === 'ping') {
      await this.#reply(connectionId, pongFrame(this.#now(), msg.id));
      return OK;
    }
    const { campaignId, userId } = verdict.record;
    try {
      const score = await this.deps.leaderboard.add(campaignId, userId, msg.delta, {
        actor: { sub: userId, role: 'user' },
        correlationId: event.requestContext.requestId ?? `ws-${connectionId}`,
        via: 'websocket',
      });
      await this.#reply(connectionId, scoreFrame(campaignId, userId, score, msg.id));
    } catch (e) {
      this.#log('error', 'score update failed', { campaignId, connectionId, error: String(e) });
      await this.#reply(
        connectionId,
        errorFrame('internal_error', 'The score could not be updated; try again', msg.id),
      );
    }
    return OK;
  }

  handle(event: WebSocketEvent): Promise<WebSocketResult> {
    switch (event.requestContext.eventType) {
      case 'CONNECT':
        return this.connect(event);
      case 'DISCONNECT':
        return this.disconnect(event);
      case 'MESSAGE':
        return this.message(event);
      default:
        return Promise.resolve(
          refuse(400, 'bad_request', `Unsupported WebSocket event ${event.requestContext.eventType}`),
        );
    }
  }
}

export function webSocketHandler(deps: WebSocketDeps): (event: WebSocketEvent) => Promise<WebSocketResult> {
  const routes = new WebSocketRoutes(deps);
  return (event) => routes.handle(event);
}
