/**
 * The owner's side of sharding (websocket transport only): when a campaign has more
 * connections than one broadcaster serves at its Hz (`connectionsPerShardAt`), the owning
 * execution serves shard 0 and starts one Step Functions execution per other shard, all on one
 * plan: tick k due at `anchor_at + k / hz`, carrying `seq + k` everywhere (./shard-burst.ts).
 *
 * - {@link ShardPlanner.wanted}: shards for the current connections (shrinking waits until
 *   10 % below the boundary, so a campaign at the edge does not re-plan back and forth);
 * - {@link ShardPlanner.plan}: a new plan (shard 0 names it first: the old plan's shards end
 *   when they see it), then each shard's instance is named and started;
 * - {@link ShardPlanner.restartStale}: a shard whose heartbeat is older than `staleMs` is
 *   started again under a new instance name (named first, so a slow old instance ends).
 */
import type { Clock } from './clock.ts';
import type { ShardPlan, TickInput } from './machine.ts';
import { connectionsOfShard, connectionsPerShardAt, shardCountFor } from './shards.ts';
import type { BroadcastLog } from './tick-sender.ts';

/** Last sign of life of a shard execution. */
export interface ShardBeat {
  plan: string;
  /** Epoch ms. */
  at: number;
}

export interface ShardPorts {
  clock: Clock;
  wallNow: () => number;
  log: BroadcastLog;
  /** Start the execution `name` serving one shard (`input.shard`); sharding is off without it. */
  startShard?: (input: TickInput, name: string) => Promise<unknown>;
  readBeat?: (campaignId: string, shard: number) => Promise<ShardBeat | undefined>;
  assignShard?: (
    campaignId: string,
    shard: number,
    plan: string,
    instance: string,
    at: number,
  ) => Promise<unknown>;
}

export interface ShardOptions {
  /** Connections one broadcaster serves before the campaign is sharded (default: never shard). */
  connectionsPerShard?: number;
  /** The posting budget of one broadcaster (fewer connections per shard at high Hz). */
  postsPerSecond?: number;
  /** A shard without a heartbeat for this long is restarted (default 5 s). */
  shardStaleMs?: number;
}

/** Lead given to shard executions to start before a (re)planned schedule begins. */
export const REPLAN_LEAD_MS = 1_000;

export class ShardPlanner {
  /** Shards of the current segment (1: not sharded). */
  count = 1;
  #plan: Omit<ShardPlan, 'index'> | undefined;
  #planNo = 0;
  #planStartedAt = 0;
  #restarts = 0;
  readonly #restartedAt = new Map<number, number>();
  readonly #assignedAt = new Map<number, number>();
  #mine: string[] = [];
  #mineOf: { connections: readonly string[]; count: number } | undefined;

  constructor(
    private readonly input: TickInput,
    private readonly ports: ShardPorts,
    private readonly opts: ShardOptions,
  ) {}

  /** Whether a plan with shard executions is running. */
  get planned(): boolean {
    return this.#plan !== undefined;
  }

  /** Shards `connections` need at `hz` (1 when sharding is off). */
  wanted(hz: number, connections: number): number {
    if (this.ports.startShard === undefined || this.opts.connectionsPerShard === undefined) return 1;
    const per = connectionsPerShardAt(hz, this.opts.connectionsPerShard, this.opts.postsPerSecond);
    const want = shardCountFor(connections, per);
    if (want < this.count && connections > (this.count - 1) * per * 0.9) return this.count;
    return want;
  }

  /** The connections shard 0 (this owner) serves. */
  mine(connections: readonly string[]): readonly string[] {
    if (this.count <= 1) return connections;
    if (this.#mineOf?.connections !== connections || this.#mineOf.count !== this.count) {
      this.#mine = connectionsOfShard(connections, 0, this.count);
      this.#mineOf = { connections, count: this.count };
    }
    return this.#mine;
  }

  /** A new plan of `count` shards from `anchorWall` (epoch ms) at `hz`, until `endsAtWall`. */
  async plan(anchorWall: number, hz: number, endsAtWall: number, seq: number): Promise<void> {
    const { input, ports } = this;
    this.#planNo += 1;
    this.#plan = {
      count: this.count,
      plan: `${input.execution}/${input.iterations}/${this.#planNo}`,
      owner: input.execution,
      anchor_at: Math.round(anchorWall),
      seq,
      hz,
      ends_at: Math.round(endsAtWall),
    };
    this.#planStartedAt = ports.clock.now();
    this.#restartedAt.clear();
    this.#assignedAt.clear();
    await ports
      .assignShard?.(input.campaign_id, 0, this.#plan.plan, input.execution, ports.wallNow())
      ?.catch((e: unknown) => ports.log('warn', 'shard assignment failed', { error: String(e) }));
    ports.log('info', 'sharded', { shards: this.count, hz });
    await Promise.all(Array.from({ length: this.count - 1 }, (_, i) => this.#start(i + 1, 0)));
  }

  /** Back to one broadcaster: shard 0 names no plan, so the shard executions end. */
  async unshard(): Promise<void> {
    if (this.#plan === undefined) return;
    this.#plan = undefined;
    const { input, ports } = this;
    await ports
      .assignShard?.(
        input.campaign_id,
        0,
        `unsharded/${input.iterations}/${this.#planNo}`,
        input.execution,
        ports.wallNow(),
      )
      ?.catch(() => undefined);
  }

  /** Restart every shard of the plan whose heartbeat is stale (see the module comment). */
  async restartStale(): Promise<void> {
    const plan = this.#plan;
    const { readBeat, clock, wallNow } = this.ports;
    if (plan === undefined || readBeat === undefined) return;
    const staleMs = this.opts.shardStaleMs ?? 5000;
    const now = clock.now();
    if (now - this.#planStartedAt < staleMs) return;
    await Promise.all(
      Array.from({ length: plan.count - 1 }, async (_, i) => {
        const index = i + 1;
        const beat = await readBeat(this.input.campaign_id, index).catch(() => undefined);
        const alive = beat !== undefined && beat.plan === plan.plan && wallNow() - beat.at < staleMs;
        // An instance that never beat yet may still be starting (a cold start): it gets 3× longer.
        const startedAt = this.#restartedAt.get(index) ?? this.#planStartedAt;
        const starting =
          (beat?.at ?? 0) <= (this.#assignedAt.get(index) ?? 0) && now - startedAt < 3 * staleMs;
        if (alive || starting || now - startedAt < staleMs) return;
        this.#restarts += 1;
        this.#restartedAt.set(index, now);
        this.ports.log('warn', 'restarting shard', { shard: index, lastBeat: beat?.at });
        await this.#start(index, this.#restarts);
      }),
    );
  }

  async #start(index: number, attempt: number): Promise<void> {
    const { input, ports } = this;
    const plan = this.#plan;
    if (plan === undefined || ports.startShard === undefined) return;
    const name = `${input.execution}-s${index}-p${input.iterations}x${this.#planNo}${attempt > 0 ? `-r${attempt}` : ''}`;
    try {
      // Named first: an earlier instance of this shard (slow, not dead) sees it and ends.
      const at = ports.wallNow();
      this.#assignedAt.set(index, at);
      await ports.assignShard?.(input.campaign_id, index, plan.plan, name, at);
      await ports.startShard({ ...input, execution: name, shard: { ...plan, index } }, name);
    } catch (error) {
      ports.log('warn', 'shard start failed', { shard: index, error: String(error) });
    }
  }
}
