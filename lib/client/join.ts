/**
 * Joining a live campaign: the client's two HTTP calls (`GET …/live` to learn where to join,
 * `GET …/state` for a snapshot), and opening the transport a join names — the campaign's
 * AppSync Events channel, or its WebSocket with `user_id`, `last_seq` and `frames`.
 */

import { type FetchLike, type JoinInfo, LiveError, type LiveOptions } from './live-api.ts';
import {
  type Conn,
  type ConnEvents,
  openEvents,
  openWebSocket,
  type Timers,
  type WebSocketConstructor,
} from './sockets.ts';

/** Answers that retrying cannot change: the client gives up. */
export const FATAL = new Set([400, 401, 403, 404]);

/** `GET /api/campaigns/{id}/<path>` with the caller's bearer token; the body when it is JSON. */
export async function getCampaign(o: LiveOptions, path: string): Promise<{ status: number; body: unknown }> {
  const f = o.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const url = `${o.apiUrl ?? ''}/api/campaigns/${encodeURIComponent(o.campaignId)}/${path}`;
  const res = await f(url, { headers: { authorization: `Bearer ${o.token}` } });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

/**
 * Open `join`'s transport (on the websocket, resuming from `heldSeq`); a {@link LiveError}
 * (fatal) when there is no WebSocket implementation.
 */
export function openJoin(
  o: LiveOptions,
  join: JoinInfo,
  heldSeq: number | undefined,
  events: ConnEvents,
  timers: Timers,
): Conn | LiveError {
  const WS = o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WS) return new LiveError('no WebSocket implementation: pass options.WebSocket', undefined, true);
  const rewrite = o.rewriteUrl ?? ((u: string) => u);
  const delta = o.frames === 'delta';
  if (join.transport === 'events' && join.events) {
    const e = join.events;
    return openEvents(
      WS,
      {
        realtimeUrl: rewrite(e.realtime_url, 'events'),
        httpHost: e.http_host,
        channel: delta ? `${e.channel}/delta` : e.channel,
        token: join.token,
      },
      events,
      timers,
    );
  }
  const q = new URLSearchParams({
    campaign_id: o.campaignId,
    user_id: o.userId ?? subOf(join.token) ?? '',
    token: join.token,
  });
  if (heldSeq !== undefined) q.set('last_seq', String(heldSeq));
  if (delta) q.set('frames', 'delta');
  const base = rewrite(join.websocket.url, 'websocket');
  return openWebSocket(
    WS,
    `${base}${base.includes('?') ? '&' : '?'}${q}`,
    events,
    timers,
    o.pingMs ?? 300_000,
  );
}

export function isJoin(v: unknown): v is JoinInfo {
  const j = v as Partial<JoinInfo> | undefined;
  return (
    typeof j === 'object' &&
    j !== null &&
    (j.transport === 'websocket' || j.transport === 'events') &&
    typeof j.token === 'string' &&
    typeof j.websocket?.url === 'string'
  );
}

export function errorText(body: unknown): string {
  const m = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof m === 'string' ? `: ${m}` : '';
}

/** The `sub` claim of a JWT (not verified: the server does). */
function subOf(token: string): string | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='))) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}
