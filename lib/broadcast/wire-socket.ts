/**
 * One kept-alive socket of {@link WireClient} (./wire.ts) and the answer it reads: the status
 * line and headers, then a body framed by `content-length`, `transfer-encoding: chunked`, or
 * the socket's end. The types and the error both modules share live here.
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

export interface Pending {
  head: string;
  body: Buffer;
  resolve: (r: WireResponse) => void;
  reject: (e: Error) => void;
  startedAt: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** One kept-alive socket and the answer it is reading. */
export class Wire {
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
