/**
 * A minimal HTTP/1.1 client for one request shape: a small POST with `content-length`, one
 * request at a time per kept-alive socket, the whole (small) answer read into memory.
 *
 * Why not `node:http`: the broadcaster sends one POST per frame per connection (10,000/s
 * for the seed's campaign), and measured on this machine against a loopback server with the
 * same headers `http.request` on a kept-alive agent costs ~67 µs of CPU per request
 * (ClientRequest/IncomingMessage objects, header validation, the agent's bookkeeping, the
 * parser's callbacks), undici's `Pool.request` ~34 µs but 535 KB minified (more than a whole
 * function's bundle budget), and writing the request on a kept-alive socket and reading
 * the status line and `content-length` of the answer ~15 µs. So this module does only that:
 * - sockets (`node:net`, or `node:tls` for https) opened on demand up to `maxSockets`, kept
 *   alive and reused; a request waits for a free socket beyond that (the fan-out's
 *   concurrency matches `maxSockets`, so it rarely does);
 * - the answer's body framed by `content-length`, `transfer-encoding: chunked`, or (no
 *   framing) the socket's end; `connection: close` retires the socket after the answer;
 * - a request without a complete answer within `timeoutMs` fails (its socket is destroyed:
 *   a late answer can never be taken for the next request's), checked by one timer per
 *   client rather than one per request; a socket error or close fails only the request on it.
 * No redirects, no retries, no `Expect: 100-continue`, no pipelining.
 */
import { type Pending, Wire, type WireClientOptions, WireError, type WireResponse } from './wire-socket.ts';

export { headerOf, type WireClientOptions, WireError, type WireResponse } from './wire-socket.ts';

/** Kept-alive sockets to one origin; see the module comment. */
export class WireClient {
  readonly #opts: WireClientOptions;
  readonly #maxSockets: number;
  readonly #timeoutMs: number;
  readonly #idle: Wire[] = [];
  readonly #all = new Set<Wire>();
  readonly #waiting: Pending[] = [];
  #sweeper: NodeJS.Timeout | undefined;

  constructor(opts: WireClientOptions) {
    this.#opts = opts;
    this.#maxSockets = Math.max(1, Math.floor(opts.maxSockets ?? 128));
    this.#timeoutMs = opts.timeoutMs ?? 3000;
  }

  /** Send `head` (request line and headers, ending with an empty line) and `body`; the answer. */
  request(head: string, body: Buffer): Promise<WireResponse> {
    return new Promise<WireResponse>((resolve, reject) => {
      const p: Pending = { head, body, resolve, reject, startedAt: performance.now() };
      this.#startSweeper();
      const wire = this.#idle.pop() ?? (this.#all.size < this.#maxSockets ? this.#open() : undefined);
      if (wire === undefined) this.#waiting.push(p);
      else wire.send(p);
    });
  }

  /** Sockets open now (idle or busy). */
  get sockets(): number {
    return this.#all.size;
  }

  /** Close every socket; requests in flight or waiting fail. */
  close(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    for (const p of this.#waiting.splice(0)) p.reject(new WireError('client closed', 'ClientClosed'));
    for (const wire of [...this.#all]) wire.destroy(new WireError('client closed', 'ClientClosed'));
    this.#idle.length = 0;
  }

  #open(): Wire {
    const wire = new Wire(
      this.#opts,
      (w) => this.#free(w),
      (w) => this.#gone(w),
    );
    this.#all.add(wire);
    return wire;
  }

  #free(wire: Wire): void {
    const next = this.#waiting.shift();
    if (next !== undefined) wire.send(next);
    else this.#idle.push(wire);
  }

  #gone(wire: Wire): void {
    this.#all.delete(wire);
    const at = this.#idle.indexOf(wire);
    if (at >= 0) this.#idle.splice(at, 1);
    // A waiting request gets a fresh socket in place of the retired one.
    const next = this.#waiting.shift();
    if (next !== undefined) this.#open().send(next);
  }

  /** One timer per client: fail requests older than the timeout (their sockets are retired). */
  #startSweeper(): void {
    if (this.#sweeper !== undefined) return;
    const every = Math.max(10, Math.min(500, this.#timeoutMs / 4));
    this.#sweeper = setInterval(() => {
      const now = performance.now();
      for (const wire of this.#all) {
        const p = wire.pending;
        if (p !== undefined && now - p.startedAt >= this.#timeoutMs) {
          wire.destroy(new WireError(`no answer within ${this.#timeoutMs} ms`, 'RequestTimeout'));
        }
      }
      for (let k = this.#waiting.length - 1; k >= 0; k -= 1) {
        const p = this.#waiting[k]!;
        if (now - p.startedAt >= this.#timeoutMs) {
          this.#waiting.splice(k, 1);
          p.reject(new WireError(`no socket within ${this.#timeoutMs} ms`, 'RequestTimeout'));
        }
      }
      if (this.#all.size === 0 && this.#waiting.length === 0) {
        clearInterval(this.#sweeper);
        this.#sweeper = undefined;
      }
    }, every);
    this.#sweeper.unref();
  }
}
