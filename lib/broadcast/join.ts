/**
 * How a client joins a live campaign: `GET /api/campaigns/{id}/live` answers it, and a
 * `campaign.transport` frame tells clients already connected when the campaign switches.
 *
 * `{ transport, websocket: { url }, events?: { realtime_url, http_host, channel } }`:
 * - `websocket.url`: the API Gateway WebSocket stage; connect with
 *   `?campaign_id=&user_id=&token=` (always present: it also takes pings and scores);
 * - `events` (only while that transport is active): the Event API's realtime endpoint, the HTTP
 *   host a client names in its authorization header, and the campaign's channel; subscribe with
 *   the `aws-appsync-event-ws` protocol and the Tempora bearer token as `Authorization`.
 */
import type { EventApiEndpoints } from '../aws/live-endpoints.ts';
import { channelOf } from './channels.ts';
import { rfc3339Of, type Timestamp } from './frame.ts';
import type { TransportKind } from './transport.ts';

export interface EventsJoin {
  realtime_url: string;
  http_host: string;
  channel: string;
}

export interface JoinInfo {
  transport: TransportKind;
  websocket: { url: string };
  events?: EventsJoin;
}

/** Where clients join the campaign, given the transport its broadcaster uses. */
export function joinInfo(
  campaignId: string,
  transport: TransportKind,
  endpoints: { webSocketUrl: string; events: EventApiEndpoints | undefined },
): JoinInfo {
  const channel = channelOf(campaignId);
  const events = endpoints.events;
  if (transport === 'events' && events !== undefined && channel !== undefined) {
    return {
      transport,
      websocket: { url: endpoints.webSocketUrl },
      events: { realtime_url: events.realtimeUrl, http_host: events.httpHost, channel },
    };
  }
  return { transport: 'websocket', websocket: { url: endpoints.webSocketUrl } };
}

/** The `campaign.transport` frame: from `seq` on, the campaign's frames come on `join.transport`. */
export function transportFrame(input: {
  campaignId: string;
  seq: number;
  ts: Timestamp;
  join: JoinInfo;
}): string {
  return JSON.stringify({
    type: 'campaign.transport',
    campaign_id: input.campaignId,
    seq: input.seq,
    ts: rfc3339Of(input.ts),
    ...input.join,
  });
}
