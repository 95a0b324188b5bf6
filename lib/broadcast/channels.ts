/**
 * Event API channels of live campaigns: `/campaigns/<campaign id>` carries every frame of a
 * campaign on the `events` transport, and `/campaigns/<campaign id>/delta` the same ticks as
 * `campaign.delta` frames (a full `campaign.state` every K frames: docs/broadcast.md, "Delta
 * frames") for clients that opt in by subscribing there. The namespace `campaigns` is declared in the stack
 * (infra/constructs/broadcast-events.ts) with subscribe by the Lambda authorizer and publish by
 * IAM only.
 *
 * A channel segment is 1-50 letters, digits or dashes, not starting or ending with a dash
 * (AppSync's rule). Campaign ids are ULIDs (26 letters and digits), so they fit; an id that
 * does not (an underscore, a system-chosen long id) has no channel, and its campaign stays on
 * the `websocket` transport.
 */

import { EVENTS_NAMESPACE } from './contract-tables.ts';

export { EVENTS_NAMESPACE };

const SEGMENT = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/;

/** The channel of a campaign's frames, or undefined when its id cannot be a channel segment. */
export function channelOf(campaignId: string): string | undefined {
  return SEGMENT.test(campaignId) ? `/${EVENTS_NAMESPACE}/${campaignId}` : undefined;
}

/** The last segment of a campaign's delta channel. */
export const DELTA_SEGMENT = 'delta';

/** The channel of a campaign's delta frames, or undefined when it has no channel. */
export function deltaChannelOf(campaignId: string): string | undefined {
  const channel = channelOf(campaignId);
  return channel === undefined ? undefined : `${channel}/${DELTA_SEGMENT}`;
}

/**
 * The campaign a channel (or subscribe pattern) names, its frames' or its deltas': undefined
 * for anything else (wildcards included).
 */
export function campaignOfChannel(channel: string): string | undefined {
  const parts = channel.split('/').filter((p) => p !== '');
  if (parts.length === 3 && parts[2] === DELTA_SEGMENT) parts.pop();
  if (parts.length !== 2 || parts[0] !== EVENTS_NAMESPACE) return undefined;
  const id = parts[1] ?? '';
  return SEGMENT.test(id) ? id : undefined;
}
