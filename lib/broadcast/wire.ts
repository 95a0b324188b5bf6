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
import * as net from 'node:net';
import * as tls from 'node:tls';

/** An answer: status code, the raw header block, the body. */
export interface WireResponse {
  status: number;
  /** Header lines as received, `\r\n`-separated (look one up with {@link headerOf}). */
  head: string;
  body: Buffer;
}

/** A request that got no (complete) answer. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

export interface WireClientOptions {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** Most sockets open at once (default 128). */
  maxSockets?: number;
  /** A request without its answer by then fails (default 3,000 ms). */
  timeoutMs?: number;
}

/** Value of header `name` (lower case) in a header block (names matched in any case), or undefined. */
export function headerOf(head: string, name: string): string | undefined {
  return valueIn(head.toLowerCase(), head, name);
}

/** Value of `name` in `head`, found in its lower-cased copy `lower` (no copy made per lookup). */
function valueIn(lower: string, head: string, name: string): string | undefined {
  const at = lower.indexOf(`\r\n${name}:`);
  if (at < 0) return undefined;
  const start = at + name.length + 3;
  const end = lower.indexOf('\r\n', start);
  return head.slice(start, end < 0 ? undefined : end).trim();
}

interface Pending {
  head: string;
  body: Buffer;
  resolve: (r: WireResponse) => void;
  reject: (e: Error) => void;
  startedAt: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** One kept-alive socket and the answer it is reading. */
class Wire {
  readonly socket: net.Socket;
  pending: Pending | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #head: { status: number; head: string; lower: string; bodyAt: number } | undefined;
  closed = false;

  constructor(
    opts: WireClientOptions,
    private readonly onFree: (wire: Wire) => void,
    private readonly onGone: (wire: Wire) => void,
  ) {
    this.socket =
      opts.protocol === 'https:'
        ? tls.connect({
            host: opts.hostname,
            port: opts.port,
            servername: opts.hostname,
            ALPNProtocols: ['http/1.1'],
          })
        : net.connect({ host: opts.hostname, port: opts.port });
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 30_000);
    this.socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.socket.on('error', (error: Error & { code?: string }) =>
      this.#fail(new WireError(error.message, error.code ?? 'SocketError')),
    );
    this.socket.on('close', () => {
      // An answer framed by the socket's end is complete now.
      if (this.#head !== undefined && this.pending !== undefined && this.#framing() === 'close') {
        this.#complete(this.#buffer.subarray(this.#head.bodyAt), false);
      }
      this.#fail(new WireError('socket closed before the answer', 'ECONNRESET'));
    });
  }

  send(p: Pending): void {
    this.pending = p;
    this.#buffer = Buffer.alloc(0);
    this.#head = undefined;
    this.socket.cork();
    this.socket.write(p.head, 'latin1');
    this.socket.write(p.body);
    this.socket.uncork();
  }

  /** Fail the request in flight (if any) and retire the socket. */
  destroy(error: WireError): void {
    this.#fail(error);
  }

  #fail(error: WireError): void {
    if (!this.closed) {
      this.closed = true;
      this.socket.destroy();
      this.onGone(this);
    }
    const p = this.pending;
    this.pending = undefined;
    p?.reject(error);
  }

  #framing(): 'length' | 'chunked' | 'none' | 'close' {
    const head = this.#head!;
    if (head.status === 204 || head.status === 304 || head.status < 200) return 'none';
    if (valueIn(head.lower, head.lower, 'transfer-encoding')?.includes('chunked')) return 'chunked';
    if (valueIn(head.lower, head.lower, 'content-length') !== undefined) return 'length';
    return 'close';
  }

  #onData(chunk: Buffer): void {
    if (this.pending === undefined) {
      // Bytes nobody asked for: the socket cannot be trusted for the next request.
      this.#fail(new WireError('unexpected data on an idle socket', 'ProtocolError'));
      return;
    }
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (this.#head === undefined) {
      const end = this.#buffer.indexOf(CRLF2);
      if (end < 0) {
        if (this.#buffer.length > 65_536)
          this.#fail(new WireError('answer header too large', 'ProtocolError'));
        return;
      }
      const text = this.#buffer.toString('latin1', 0, end);
      const status = Number(text.slice(9, 12));
      if (!text.startsWith('HTTP/1.') || !Number.isInteger(status)) {
        this.#fail(new WireError(`not an HTTP/1.x answer: ${text.slice(0, 40)}`, 'ProtocolError'));
        return;
      }
      const lineEnd = text.indexOf('\r\n');
      const headers = lineEnd < 0 ? '\r\n' : `${text.slice(lineEnd)}\r\n`;
      this.#head = { status, head: headers, lower: headers.toLowerCase(), bodyAt: end + 4 };
      if (status >= 100 && status < 200) {
        // An interim answer (100 Continue): the real one follows.
        this.#buffer = this.#buffer.subarray(end + 4);
        this.#head = undefined;
        if (this.#buffer.length > 0) this.#onData(Buffer.alloc(0));
        return;
      }
    }
    const head = this.#head;
    const framing = this.#framing();
    if (framing === 'none') this.#complete(Buffer.alloc(0), true);
    else if (framing === 'length') {
      const length = Number(valueIn(head.lower, head.lower, 'content-length'));
      if (!Number.isSafeInteger(length) || length < 0) {
        this.#fail(new WireError('bad content-length', 'ProtocolError'));
        return;
      }
      if (this.#buffer.length - head.bodyAt >= length) {
        this.#complete(this.#buffer.subarray(head.bodyAt, head.bodyAt + length), true);
      }
    } else if (framing === 'chunked') {
      const body = dechunk(this.#buffer, head.bodyAt);
      if (body === 'bad') this.#fail(new WireError('bad chunked body', 'ProtocolError'));
      else if (body !== undefined) this.#complete(body, true);
    }
    // 'close': the body ends with the socket (see the 'close' handler).
  }

  #complete(body: Buffer, reusable: boolean): void {
    const head = this.#head!;
    const p = this.pending!;
    this.pending = undefined;
    this.#head = undefined;
    this.#buffer = Buffer.alloc(0);
    const keep = reusable && valueIn(head.lower, head.lower, 'connection') !== 'close';
    if (!keep && !this.closed) {
      this.closed = true;
      this.socket.destroy();
      this.onGone(this);
    }
    p.resolve({ status: head.status, head: head.head, body });
    if (keep) this.onFree(this);
  }
}

/** The body of a complete chunked message from `at`, undefined while incomplete, 'bad' if malformed. */
function dechunk(buffer: Buffer, at: number): Buffer | undefined | 'bad' {
  const parts: Buffer[] = [];
  let i = at;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', i, 'latin1');
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(buffer.toString('latin1', i, lineEnd).split(';')[0] ?? '', 16);
    if (!Number.isSafeInteger(size) || size < 0) return 'bad';
    if (size === 0) {
      // The last chunk; (no) trailers, then an empty line end the message.
      return buffer.indexOf('\r\n\r\n', lineEnd, 'latin1') < 0 ? undefined : Buffer.concat(parts);
    }
    if (buffer.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
    i = lineEnd + 2 + size + 2;
  }
}

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
