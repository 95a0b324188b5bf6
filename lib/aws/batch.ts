/**
 * Batched DynamoDB calls (BatchGetItem, BatchWriteItem) and their retries: DynamoDB answers a
 * batch with the part it left unprocessed (throttling), which is sent again after a
 * full-jitter exponential backoff. One mechanism for every room.
 */

/** BatchGetItem accepts at most 100 keys. */
export const BATCH_GET_LIMIT = 100;
/** BatchWriteItem accepts at most 25 requests. */
export const BATCH_WRITE_LIMIT = 25;

export interface RetryOptions {
  /** Attempts per chunk, the first included (default 6). */
  maxAttempts?: number;
  /** Backoff base (default 50 ms): attempt n waits random(0, min(max, base·2ⁿ)). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Chunks sent at the same time (default 4). */
  concurrency?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Split into chunks of at most `size`. */
export function chunk<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** Full-jitter exponential backoff delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, opts: RetryOptions = {}): number {
  const base = opts.baseDelayMs ?? 50;
  const max = opts.maxDelayMs ?? 2000;
  const random = opts.random ?? Math.random;
  return Math.floor(random() * Math.min(max, base * 2 ** attempt));
}

/**
 * Send `items` in chunks of `size`; `send` returns the part of its chunk left unprocessed,
 * which is sent again after a backoff, up to `maxAttempts` per chunk. Returns what is still
 * unprocessed at the end (empty on success).
 */
export async function sendInChunks<T>(
  items: readonly T[],
  size: number,
  send: (chunk: T[]) => Promise<T[]>,
  opts: RetryOptions = {},
): Promise<T[]> {
  const maxAttempts = opts.maxAttempts ?? 6;
  const sleep = opts.sleep ?? defaultSleep;
  const chunks = chunk(items, size);
  const left: T[] = [];
  const run = async (c: T[]) => {
    let pending = c;
    for (let attempt = 1; pending.length > 0; attempt++) {
      pending = await send(pending);
      if (pending.length === 0) return;
      if (attempt >= maxAttempts) {
        left.push(...pending);
        return;
      }
      await sleep(backoffDelay(attempt, opts));
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const c = chunks[next++];
      if (c) await run(c);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, chunks.length) }, worker));
  return left;
}
