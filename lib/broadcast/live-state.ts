/**
 * What a broadcaster knows of its campaign while it ticks, kept current by {@link LiveState.refresh}:
 * the campaign (on the air? at what Hz? which transport setting?), the ticker item (who owns the
 * campaign, which transport the run uses), the leaderboard's top N, and the campaign's
 * connections. One failed read keeps the previous value: a read error must not stop a broadcast.
 */
import type { Clock } from './clock.ts';
import type { LeaderboardEntry } from './frame.ts';
import type { CampaignSnapshot } from './phase.ts';
import type { BroadcastLog } from './tick-sender.ts';
import type { TickerItem } from './ticker-item.ts';

/** What a broadcaster reads of the ticker item. */
export type TickerView = Pick<TickerItem, 'status' | 'execution' | 'epoch' | 'transport'>;

/** The reads a broadcaster makes (eventually consistent, every refresh). */
export interface LiveSources {
  loadCampaign: (campaignId: string) => Promise<CampaignSnapshot | undefined>;
  loadTicker: (campaignId: string) => Promise<TickerView | undefined>;
  top: (campaignId: string) => Promise<LeaderboardEntry[]>;
  listConnections: (campaignId: string, nowMs: number) => Promise<{ live: string[]; expired: string[] }>;
  /** Remove (and uncount) a connection that expired or is gone. */
  removeConnection: (campaignId: string, connectionId: string) => Promise<unknown>;
}

/** Connections are re-listed this often (default); the rest every refresh. */
export const CONNECTIONS_EVERY_MS = 1_000;

export class LiveState {
  campaign: CampaignSnapshot | undefined;
  ticker: TickerView | undefined;
  leaderboard: LeaderboardEntry[] = [];
  /** Every live connection of the campaign (all shards). */
  connections: string[] = [];
  #connectionsAt = Number.NEGATIVE_INFINITY;
  readonly #id: string;
  readonly #sources: LiveSources;
  readonly #clock: Clock;
  readonly #wallNow: () => number;
  readonly #log: BroadcastLog;

  constructor(
    campaignId: string,
    sources: LiveSources,
    clock: Clock,
    wallNow: () => number,
    log: BroadcastLog,
  ) {
    this.#id = campaignId;
    this.#sources = sources;
    this.#clock = clock;
    this.#wallNow = wallNow;
    this.#log = log;
  }

  /** Monotonic time of the last connection listing. */
  get connectionsAt(): number {
    return this.#connectionsAt;
  }

  /** Whether the connections are due for a re-listing (`slackMs` early is fine). */
  connectionsDue(slackMs = 0): boolean {
    return this.#clock.now() - this.#connectionsAt >= CONNECTIONS_EVERY_MS - slackMs;
  }

  /** Re-read the campaign, the ticker item and the top N (and the connections when asked), with `also` alongside. */
  async refresh(withConnections: boolean, also: ReadonlyArray<Promise<unknown>> = []): Promise<void> {
    const id = this.#id;
    const work: Array<Promise<unknown>> = [
      this.#sources.loadCampaign(id).then((c) => {
        this.campaign = c;
      }),
      this.#sources.loadTicker(id).then((t) => {
        this.ticker = t;
      }),
      this.#sources.top(id).then((t) => {
        this.leaderboard = t;
      }),
      ...also,
    ];
    if (withConnections) work.push(this.refreshConnections());
    for (const outcome of await Promise.allSettled(work)) {
      if (outcome.status === 'rejected')
        this.#log('warn', 'refresh failed', { error: String(outcome.reason) });
    }
  }

  /** Re-list the connections; expired ones are removed in the background. */
  async refreshConnections(): Promise<void> {
    const listed = await this.#sources.listConnections(this.#id, this.#wallNow());
    this.connections = listed.live;
    this.#connectionsAt = this.#clock.now();
    for (const expired of listed.expired) {
      void this.#sources
        .removeConnection(this.#id, expired)
        .catch((e: unknown) => this.#log('warn', 'expired removal failed', { error: String(e) }));
    }
  }
}
