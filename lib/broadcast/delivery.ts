/**
 * How an owning burst's frames leave: the two transports behind the {@link TransportSwitch},
 * the choice between them (./transport-choice.ts) and the switch itself, and the account's
 * posting share (./share.ts) that caps the websocket transport.
 *
 * A switch happens at a tick boundary: the owner records the new transport and its first `seq`
 * in the ticker item (what `GET …/live` answers and shard executions follow), sends a
 * `campaign.transport` frame on the transport being left, and both transports carry every
 * frame for {@link SWITCH_OVERLAP_MS}, so a client that moves sees no gap and no `seq` twice
 * (it drops a `seq` it has seen).
 */
import type { BurstOptions, BurstPorts } from './burst-ports.ts';
import { channelOf } from './channels.ts';
import { EventsTransport } from './events-transport.ts';
import { broadcastNotice } from './frame.ts';
import { transportFrame } from './join.ts';
import type { TickerView } from './live-state.ts';
import type { TickInput } from './machine.ts';
import type { CampaignSnapshot } from './phase.ts';
import { capToShare, type PostingShare } from './share.ts';
import { type Transport, type TransportKind, TransportSwitch } from './transport.ts';
import { chooseTransport, transportSettingOf } from './transport-choice.ts';
import { WebsocketTransport } from './websocket-transport.ts';

export class Delivery {
  readonly websocket: WebsocketTransport;
  readonly events: EventsTransport | undefined;
  readonly transports: TransportSwitch;
  readonly share: PostingShare | undefined;
  /** True while the account's posting share holds this broadcaster below its demand. */
  shareLimited = false;

  constructor(
    private readonly input: TickInput,
    private readonly ports: BurstPorts,
    private readonly opts: BurstOptions,
  ) {
    const id = input.campaign_id;
    this.websocket = new WebsocketTransport(id, ports, opts);
    const channel = channelOf(id);
    this.events =
      ports.publish && channel ? new EventsTransport(channel, ports.publish, { log: ports.log }) : undefined;
    this.transports = new TransportSwitch(this.websocket);
    this.share = ports.share?.();
  }

  get active(): Transport {
    return this.transports.active;
  }

  /** Whether frames go to WebSocket connections (not only during a switch's overlap). */
  get posting(): boolean {
    return this.transports.active === this.websocket;
  }

  /** Whether the websocket transport still gets frames (active, or being left). */
  websocketInUse(now: number): boolean {
    return this.posting || this.transports.leaving(now) === this.websocket;
  }

  /** A later burst of a run that went `events` starts there (its clients moved already). */
  resume(ticker: TickerView | undefined): void {
    if (ticker?.transport?.kind === 'events' && this.events)
      this.transports.switchTo(this.events, this.ports.clock.now(), 0);
  }

  /**
   * Apply the transport the campaign wants now (`demand`: connections × Hz); `seq` is the next
   * frame's; `mine` the WebSocket connections this broadcaster serves (a switch tells them).
   */
  async choose(
    campaign: CampaignSnapshot | undefined,
    demand: number,
    seq: number,
    mine: readonly string[],
  ): Promise<void> {
    const active = this.transports.active.kind;
    const choice = chooseTransport({
      setting: transportSettingOf(campaign?.metadata),
      current: active,
      demand,
      autoThreshold: this.opts.autoEventsPostsPerSec ?? Number.POSITIVE_INFINITY,
      oversubscribed: this.share?.oversubscribed ?? false,
      eventsAvailable: this.events !== undefined,
    });
    if (choice.kind !== active) await this.#switchTo(choice.kind, choice.reason, seq, mine);
  }

  async #switchTo(kind: TransportKind, reason: string, seq: number, mine: readonly string[]): Promise<void> {
    const { clock, wallNow, log } = this.ports;
    const id = this.input.campaign_id;
    const from = this.transports.active;
    const to: Transport = kind === 'events' && this.events ? this.events : this.websocket;
    const at = wallNow();
    await this.ports.setTransport?.(this.input, { kind, seq, at });
    this.transports.switchTo(to, clock.now());
    const frame = transportFrame({ campaignId: id, seq, ts: at, join: this.ports.join(id, kind) });
    void (from === this.websocket ? this.websocket.notice(frame, mine) : from.notice(frame));
    log('info', 'transport switched', { from: from.kind, to: kind, reason, seq });
  }

  /** Report this broadcaster's posting demand to the account's share (once per window). */
  report(demand: number): Promise<void> | undefined {
    return this.share?.report(this.posting ? demand : 0);
  }

  /** The websocket transport's ceiling follows the account's posting share. */
  applyShare(demand: number): void {
    const share = this.share;
    const budget = this.websocket.budget;
    if (share === undefined || budget === undefined) return;
    const limited = capToShare(share, budget, this.posting ? demand : 0);
    if (limited !== this.shareLimited) {
      const extra = { scale: Number(share.scale.toFixed(3)), demand: share.demand, budget: share.budget };
      this.ports.log(
        limited ? 'warn' : 'info',
        limited ? 'posting share oversubscribed: thinning' : 'posting share back',
        extra,
      );
    }
    this.shareLimited = limited;
  }

  /**
   * `broadcast.started` to every WebSocket client, `broadcast.stopped` to this shard's (every
   * shard tells its own after their last frame); and on the events channel when it is active.
   */
  async notice(type: 'broadcast.started' | 'broadcast.stopped', to: readonly string[]): Promise<void> {
    const frame = broadcastNotice({ type, campaignId: this.input.campaign_id, ts: this.ports.wallNow() });
    const active = this.transports.active;
    await Promise.all([
      this.websocket.notice(frame, to),
      active === this.websocket ? undefined : active.notice(frame),
    ]);
  }
}
