/** Where the page finds the broadcast WebSocket API (pure: unit-tested). */
export interface WebSocketConfig {
  apiId: string;
  stage: string;
  url: string;
}

/**
 * The WebSocket URL of the broadcast API as seen from this page: on an emulator (the page is under
 * `/_aws/execute-api/<id>/…`) the same host with the emulator's path form, on AWS the stage URL.
 */
export function webSocketUrl(
  ws: WebSocketConfig,
  loc: { pathname: string; protocol: string; host: string },
): string {
  if (loc.pathname.startsWith('/_aws/execute-api/')) {
    const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${loc.host}/_aws/execute-api/${ws.apiId}/${encodeURIComponent(ws.stage)}`;
  }
  return ws.url;
}

/**
 * A live URL that `GET …/live` (or a `campaign.transport` frame) gave, as this page reaches it:
 * the broadcast WebSocket as {@link webSocketUrl} finds it; on an emulator, its other live
 * endpoints (the Event API's path form, `/_tempora/…`) on the page's own host.
 */
export function liveUrl(
  url: string,
  transport: 'websocket' | 'events',
  ws: WebSocketConfig | undefined,
  loc: { pathname: string; protocol: string; host: string },
): string {
  if (transport === 'websocket' && ws) return webSocketUrl(ws, loc);
  if (!loc.pathname.startsWith('/_aws/execute-api/')) return url;
  const m = /^wss?:\/\/[^/]+(\/_(?:tempora|aws)\/.*)$/.exec(url);
  return m ? `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${m[1]}` : url;
}
