/**
 * The account's posting share: every broadcaster of the stack together posts at most
 * `accountPostShare` × the account's API Gateway quota (default 0.5 × 10,000/s), so a region
 * full of websocket campaigns never takes the quota from the platform's own HTTP API.
 *
 * Each websocket broadcaster (owner or shard) adds its demand — the posts per second it would
 * make, connections × Hz — to a counter of the current 2-second window, once per window (one
 * `UpdateItem ADD` on one item of the state table), and reads the last complete window's total
 * (one `GetItem`). When that total exceeds the budget, every broadcaster scales its own posting
 * rate by budget / total (proportional shares: the thinning is spread over all of them, and
 * `auto` campaigns go `events`, ./transport-choice.ts). A broadcaster that dies simply stops
 * adding: its demand is gone from the next window. Cost: two small requests per broadcaster per
 * window, on an item that expires with DynamoDB's TTL.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export const SHARE_WINDOW_MS = 2_000;
/** Partition of the share counters in the state table (`#` never appears in a campaign id). */
export const SHARE_PK = 'share#posting';

export interface WindowTotal {
  /** Posts per second wanted, summed over the broadcasters that reported in the window. */
  demand: number;
  broadcasters: number;
}

export interface ShareLedger {
  add(window: number, demand: number): Promise<void>;
  read(window: number): Promise<WindowTotal | undefined>;
}

export class DynamoShareLedger implements ShareLedger {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async add(window: number, demand: number): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { campaign_id: SHARE_PK, sk: `w#${window}` },
        UpdateExpression: 'ADD demand :d, broadcasters :one SET expires_at = :exp',
        ExpressionAttributeValues: {
          ':d': Math.round(demand),
          ':one': 1,
          ':exp': Math.ceil(((window + 2) * SHARE_WINDOW_MS) / 1000) + 3600,
        },
      }),
    );
  }

  async read(window: number): Promise<WindowTotal | undefined> {
    const out = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { campaign_id: SHARE_PK, sk: `w#${window}` } }),
    );
    if (!out.Item) return undefined;
    return { demand: Number(out.Item.demand ?? 0), broadcasters: Number(out.Item.broadcasters ?? 0) };
  }
}

export interface PostingShareOptions {
  /** Posts per second all broadcasters together may make: share × quota. */
  budget: number;
  /** Wall clock, epoch ms. */
  now: () => number;
  windowMs?: number;
}

/** One broadcaster's view of the account's posting share. */
export class PostingShare {
  readonly budget: number;
  readonly #ledger: ShareLedger;
  readonly #now: () => number;
  readonly #windowMs: number;
  #reported = Number.NEGATIVE_INFINITY;
  #total: WindowTotal | undefined;

  constructor(ledger: ShareLedger, opts: PostingShareOptions) {
    this.#ledger = ledger;
    this.budget = opts.budget;
    this.#now = opts.now;
    this.#windowMs = opts.windowMs ?? SHARE_WINDOW_MS;
  }

  /** Add `demand` (posts/s) to the current window, once per window, and read the last complete one. */
  async report(demand: number): Promise<void> {
    const window = Math.floor(this.#now() / this.#windowMs);
    if (window === this.#reported) return;
    this.#reported = window;
    const [, total] = await Promise.all([
      demand > 0 ? this.#ledger.add(window, demand) : Promise.resolve(),
      this.#ledger.read(window - 1),
    ]);
    this.#total = total;
  }

  /** Total demand of the last complete window (0 when nobody reported). */
  get demand(): number {
    return this.#total?.demand ?? 0;
  }

  /** budget / total demand, at most 1: what every broadcaster multiplies its rate by. */
  get scale(): number {
    const demand = this.demand;
    return demand <= this.budget ? 1 : this.budget / demand;
  }

  get oversubscribed(): boolean {
    return this.scale < 1;
  }

  /** Posts per second a broadcaster wanting `demand` may make now. */
  allowance(demand: number): number {
    return demand * this.scale;
  }
}

/**
 * Cap a websocket broadcaster's posting budget at its part of the share (its full rate when the
 * share is not oversubscribed); true when it is held below its demand.
 */
export function capToShare(
  share: PostingShare,
  budget: { maxRate: number; setCeiling(postsPerSecond: number): void },
  demand: number,
): boolean {
  const limited = share.oversubscribed && demand > 0;
  budget.setCeiling(limited ? share.allowance(demand) : budget.maxRate);
  return limited;
}
