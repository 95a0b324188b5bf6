/**
 * Delta frames against full frames (issue 22): a 100-row leaderboard where 5 rows change score
 * per tick (`BENCH_DELTA_ROWS`, `BENCH_DELTA_CHANGED`), over `BENCH_DELTA_TICKS` (2,000)
 * precomputed ticks of one game (ULID user ids, scores in the tens of thousands that grow, so
 * rows climb past others).
 *
 * - bytes: the average UTF-8 size of the tick's full `campaign.state` frame, and of its
 *   `campaign.delta` against the previous tick (as TickFrames sends it to delta clients);
 * - CPU: µs to build one frame, measured side by side in this process, interleaved over
 *   `BENCH_DELTA_ROUNDS` (7) rounds, median kept: full = `campaignStateFrame`; delta =
 *   `leaderboardDelta` against the previous board + `campaignDeltaFrame` (what a tick adds for
 *   delta clients). TickFrames (both frames of a tick, as the broadcaster calls it) is shown too.
 *
 * No network, no emulator. Its last line is
 * `broadcast-delta-summary rows=… changed_per_tick=… full_bytes=… delta_bytes=… ratio=…
 * cpu_us_per_frame_full=… cpu_us_per_frame_delta=…`.
 */
import { leaderboardDelta } from '../lib/broadcast/delta.ts';
import {
  type CampaignStatePayload,
  campaignDeltaFrame,
  campaignStateFrame,
  type LeaderboardEntry,
} from '../lib/broadcast/frame.ts';
import { TickFrames } from '../lib/broadcast/tick-frames.ts';
import { measure, printTable, rng } from './lib.ts';

const CAMPAIGN = '01JD3QZ8M4T6W2XG5N7R9KCVBH';
const T0 = Date.UTC(2026, 11, 7, 18, 0, 0);

const env = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID-shaped id (26 Crockford base32 characters: a 2026 timestamp, then randomness). */
function ulid(random: () => number, ms: number): string {
  let time = '';
  for (let t = ms, i = 0; i < 10; i += 1, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  let rest = '';
  for (let i = 0; i < 16; i += 1) rest += CROCKFORD[Math.floor(random() * 32)];
  return time + rest;
}

/** `ticks` consecutive payloads of one game: each tick `changed` distinct players score. */
function game(rows: number, changed: number, ticks: number): CampaignStatePayload[] {
  const random = rng(22);
  const players = Array.from({ length: rows }, (_, i) => ({
    user: ulid(random, T0 - 86_400_000 + i * 60_000),
    score: 20_000 + Math.floor(random() * 30_000),
  }));
  const board = (): LeaderboardEntry[] =>
    [...players]
      .sort((a, b) => b.score - a.score || (a.user < b.user ? -1 : 1))
      .map(({ user, score }) => ({ user, score }));
  const out: CampaignStatePayload[] = [];
  for (let t = 0; t < ticks; t += 1) {
    const picked = new Set<number>();
    while (picked.size < changed) picked.add(Math.floor(random() * rows));
    for (const i of picked) players[i]!.score += 10 + Math.floor(random() * 990);
    out.push({ leaderboard: board(), live_participant_count: 4_000 + Math.floor(random() * 500) });
  }
  return out;
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Run it; resolves to the `broadcast-delta-summary` line. */
export async function runBroadcastDeltaBench(): Promise<string> {
  const quick = process.env.BENCH_QUICK === '1';
  const rows = env('BENCH_DELTA_ROWS', 100);
  const changed = env('BENCH_DELTA_CHANGED', 5);
  const ticks = env('BENCH_DELTA_TICKS', 2_000);
  const rounds = env('BENCH_DELTA_ROUNDS', quick ? 3 : 7);
  const roundMs = env('BENCH_DELTA_ROUND_MS', quick ? 150 : 300);
  const payloads = game(rows, changed, ticks);
  const tsOf = (seq: number): number => T0 + seq * 100;
  console.log(
    `${rows}-row leaderboard, ${changed} rows change score per tick, ${ticks} ticks; CPU: ${rounds} interleaved rounds ` +
      `of ${roundMs} ms per builder, median`,
  );

  // Bytes: every tick's frames as TickFrames builds them (no periodic full frame here).
  const frames = new TickFrames({ campaignId: CAMPAIGN });
  let fullBytes = 0;
  let deltaBytes = 0;
  let deltas = 0;
  let rowsSent = 0;
  for (const [i, payload] of payloads.entries()) {
    const out = frames.frame('every_tick', i + 1, tsOf(i + 1), payload, 0, Number.MAX_SAFE_INTEGER)!;
    fullBytes += Buffer.byteLength(out.text, 'utf8');
    if (out.delta === undefined) continue;
    deltaBytes += Buffer.byteLength(out.delta, 'utf8');
    rowsSent += (JSON.parse(out.delta) as { payload: { rows: unknown[] } }).payload.rows.length;
    deltas += 1;
  }
  const full = fullBytes / payloads.length;
  const delta = deltaBytes / deltas;
  const ratio = delta / full;

  // CPU: the builders, interleaved; each call builds the frame of the next tick (cycling).
  let f = 0;
  const buildFull = (): string => {
    const i = f++ % ticks;
    return campaignStateFrame({ campaignId: CAMPAIGN, seq: i + 1, ts: tsOf(i + 1), payload: payloads[i]! });
  };
  let d = 0;
  const buildDelta = (): string => {
    const i = 1 + (d++ % (ticks - 1));
    const { leaderboard, ...rest } = payloads[i]!;
    const { removed, rows: changedRows } = leaderboardDelta(payloads[i - 1]!.leaderboard, leaderboard);
    return campaignDeltaFrame({
      campaignId: CAMPAIGN,
      seq: i + 1,
      baseSeq: i,
      ts: tsOf(i + 1),
      payload: { ...rest, removed, rows: changedRows },
    });
  };
  const both = new TickFrames({ campaignId: CAMPAIGN });
  let b = 0;
  const buildBoth = () => {
    const i = b++ % ticks;
    return both.frame('every_tick', b, tsOf(b), payloads[i]!, 0, Number.MAX_SAFE_INTEGER);
  };
  const us: Record<'full' | 'delta' | 'both', number[]> = { full: [], delta: [], both: [] };
  for (let r = 0; r < rounds; r += 1) {
    // Alternate the order, so neither builder always runs first in a round.
    const order: Array<['full' | 'delta' | 'both', () => unknown]> = [
      ['full', buildFull],
      ['delta', buildDelta],
      ['both', buildBoth],
    ];
    if (r % 2 === 1) order.reverse();
    for (const [key, fn] of order) us[key].push(1e6 / (await measure(key, fn, { minMs: roundMs })).opsPerSec);
  }
  const cpuFull = median(us.full);
  const cpuDelta = median(us.delta);
  const cpuBoth = median(us.both);

  printTable([
    { frame: 'full campaign.state (baseline)', 'bytes/frame': Math.round(full), 'µs/frame': cpuFull },
    {
      frame: `campaign.delta (${(rowsSent / deltas).toFixed(2)} rows/frame)`,
      'bytes/frame': Math.round(delta),
      'µs/frame': cpuDelta,
    },
    {
      frame: 'TickFrames: both frames of a tick',
      'bytes/frame': Math.round(full + delta),
      'µs/frame': cpuBoth,
    },
  ]);
  const k = 20;
  console.log(
    `delta/full bytes ${ratio.toFixed(3)} (aim ≤ 0.3: ${ratio <= 0.3 ? 'met' : 'NOT met'}); with a full snapshot every ` +
      `${k} frames (the default), a delta client gets ${Math.round((full + (k - 1) * delta) / k)} bytes/frame on average; ` +
      `µs per frame: min/median/max full ${spread(us.full)}, delta ${spread(us.delta)}`,
  );
  return (
    `broadcast-delta-summary rows=${rows} changed_per_tick=${changed} full_bytes=${Math.round(full)} ` +
    `delta_bytes=${Math.round(delta)} ratio=${ratio.toFixed(3)} cpu_us_per_frame_full=${cpuFull.toFixed(2)} ` +
    `cpu_us_per_frame_delta=${cpuDelta.toFixed(2)}`
  );
}

const spread = (values: number[]): string =>
  [Math.min(...values), median(values), Math.max(...values)].map((v) => v.toFixed(2)).join('/');
