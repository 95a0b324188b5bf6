/**
 * The two ways a live client receives a campaign's frames, behind one small shape
 * ({@link Conn}): an API Gateway WebSocket connection, or a subscription on the AppSync Event
 * API (`aws-appsync-event-ws`). Browser and Node alike: the WebSocket constructor is given.
 */

/** What this module needs of a WebSocket (the browser's, Node 22's, or `ws`'s). */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => SocketLike;

/** One open (or opening) transport connection. */
export interface Conn {
  readonly transport: 'websocket' | 'events';
  close(): void;
}

export interface ConnEvents {
  /** Frames will flow: the socket opened (websocket) or the subscription was accepted (events). */
  onLive(): void;
  /** A message's parsed JSON (events: each event of a `data` message). */
  onMessage(value: unknown): void;
  /** The connection is gone (closed, refused, or found dead); called once. */
  onClose(reason: string): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const text = (data: unknown): string | undefined => {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data as Uint8Array);
  return undefined;
};

const parse = (data: unknown): unknown => {
  const t = text(data);
  if (t === undefined) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
};

/** Wire one socket's lifecycle to `events`; returns the `close` that ends it quietly. */
function lifecycle(socket: SocketLike, events: ConnEvents, cleanup: () => void): () => void {
  let done = false;
  const end = (reason: string) => {
    if (done) return;
    done = true;
    cleanup();
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close();
    } catch {
      // already closed or never opened
    }
    events.onClose(reason);
  };
  socket.onclose = () => end('closed');
  socket.onerror = () => end('error');
  return () => {
    if (done) return;
    done = true;
    cleanup();
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(1000);
    } catch {
      // already closed
    }
  };
}

/**
 * An API Gateway WebSocket connection to `url` (with its query already set); pings every
 * `pingMs` so API Gateway's 10-minute idle timeout never closes a quiet campaign's socket.
 */
export function openWebSocket(
  WS: WebSocketConstructor,
  url: string,
  events: ConnEvents,
  timers: Timers,
  pingMs: number,
): Conn {
  const socket = new WS(url);
  let ping: unknown;
  const beat = () => {
    socket.send(JSON.stringify({ action: 'ping' }));
    ping = timers.setTimeout(beat, pingMs);
  };
  const close = lifecycle(socket, events, () => timers.clearTimeout(ping));
  socket.onopen = () => {
    ping = timers.setTimeout(beat, pingMs);
    events.onLive();
  };
  socket.onmessage = (ev) => events.onMessage(parse(ev.data));
  return { transport: 'websocket', close };
}

/** base64url of a string's UTF-8 bytes (browser and Node: `btoa`). */
function base64url(s: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The `header-…` subprotocol that carries an AppSync Events connection's authorization. */
export function authProtocol(auth: Record<string, string>): string {
  return `header-${base64url(JSON.stringify(auth))}`;
}

/**
 * A subscription to `channel` on the AppSync Event API at `realtimeUrl`: the authorization
 * (`host`, `Authorization: <token>`) in the subprotocol, `connection_init` → `connection_ack`,
 * `subscribe` → `subscribe_success`, then `data` messages whose `event` is the frame's JSON
 * text (or, from the emulator, a list of them). A connection that hears nothing, not even a
 * keep-alive (`ka`), for the `connectionTimeoutMs` its ack gave is dead and closed.
 */
export function openEvents(
  WS: WebSocketConstructor,
  target: { realtimeUrl: string; httpHost: string; channel: string; token: string },
  events: ConnEvents,
  timers: Timers,
): Conn {
  const auth = { host: target.httpHost, Authorization: target.token };
  const socket = new WS(target.realtimeUrl, ['aws-appsync-event-ws', authProtocol(auth)]);
  let watchdog: unknown;
  let timeoutMs: number | undefined;
  const close = lifecycle(socket, events, () => timers.clearTimeout(watchdog));
  const alive = () => {
    if (timeoutMs === undefined) return;
    timers.clearTimeout(watchdog);
    watchdog = timers.setTimeout(() => {
      close();
      events.onClose('keep-alive timeout');
    }, timeoutMs);
  };
  socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
  socket.onmessage = (ev) => {
    const msg = parse(ev.data) as
      | { type?: unknown; event?: unknown; connectionTimeoutMs?: unknown }
      | undefined;
    if (!msg || typeof msg !== 'object') return;
    alive();
    switch (msg.type) {
      case 'connection_ack':
        if (typeof msg.connectionTimeoutMs === 'number' && msg.connectionTimeoutMs > 0) {
          timeoutMs = msg.connectionTimeoutMs;
          alive();
        }
        socket.send(
          JSON.stringify({ type: 'subscribe', id: 'live', channel: target.channel, authorization: auth }),
        );
        return;
      case 'subscribe_success':
        events.onLive();
        return;
      case 'connection_error':
      case 'subscribe_error':
        close();
        events.onClose(String(msg.type));
        return;
      case 'data':
        for (const e of [msg.event].flat()) events.onMessage(typeof e === 'string' ? parse(e) : e);
        return;
      default:
        return;
    }
  };
  return { transport: 'events', close };
}
