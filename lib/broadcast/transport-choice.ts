/**
 * Which transport a campaign's frames take (pure; the owning broadcaster decides every refresh).
 *
 * `service_specific.campaign.transport`:
 * - `websocket` or `events`: that one (`events` only where the stack has an Event API and the
 *   campaign id is a channel segment; otherwise `websocket`, with the reason logged);
 * - `auto` (the default): `events` when the websocket transport would post more than
 *   `autoThreshold` frames per second for this campaign (connections × Hz), or when the
 *   account's posting share is oversubscribed (every broadcaster together wants more than
 *   `accountPostShare` × the account quota: campaigns under `auto` leave it to those that asked
 *   for `websocket`); `websocket` otherwise. Once a run went `events`, it stays there until
 *   the run ends: viewers on the events transport are not counted, so nothing would tell the
 *   broadcaster that they became few again, and a transport that flaps costs clients a switch
 *   each time.
 */
import type { Metadata } from '../entity-metadata/index.ts';
import type { TransportKind } from './transport.ts';

export type TransportSetting = 'auto' | TransportKind;

/** The campaign's setting (anything but `websocket` / `events` is `auto`). */
export function transportSettingOf(metadata: Metadata | undefined): TransportSetting {
  const t = (metadata?.service_specific as { campaign?: { transport?: unknown } } | undefined)?.campaign
    ?.transport;
  return t === 'websocket' || t === 'events' ? t : 'auto';
}

export interface ChoiceInput {
  setting: TransportSetting;
  /** The transport this run uses so far (undefined before its first choice). */
  current: TransportKind | undefined;
  /** Frames per second the websocket transport would post: connections × Hz. */
  demand: number;
  /** `auto` goes `events` above this many posts per second. */
  autoThreshold: number;
  /** Every broadcaster together wants more than the account's posting share. */
  oversubscribed: boolean;
  /** The stack has an Event API and the campaign a channel. */
  eventsAvailable: boolean;
}

export type ChoiceReason =
  | 'setting'
  | 'events_unavailable'
  | 'over_threshold'
  | 'share_oversubscribed'
  | 'stays_events'
  | 'under_threshold';

export function chooseTransport(input: ChoiceInput): { kind: TransportKind; reason: ChoiceReason } {
  if (!input.eventsAvailable) {
    return { kind: 'websocket', reason: input.setting === 'websocket' ? 'setting' : 'events_unavailable' };
  }
  if (input.setting !== 'auto') return { kind: input.setting, reason: 'setting' };
  if (input.current === 'events') return { kind: 'events', reason: 'stays_events' };
  if (input.demand > input.autoThreshold) return { kind: 'events', reason: 'over_threshold' };
  if (input.oversubscribed && input.demand > 0) return { kind: 'events', reason: 'share_oversubscribed' };
  return { kind: 'websocket', reason: 'under_threshold' };
}
