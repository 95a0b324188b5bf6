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
