import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { headerOf, WireClient, WireError } from '../../../lib/broadcast/wire.ts';

const servers: net.Server[] = [];
const clients: WireClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          (s as http.Server).closeAllConnections?.();
          s.close(() => resolve());
        }),
    ),
  );
});

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function client(port: number, opts: { maxSockets?: number; timeoutMs?: number } = {}): WireClient {
  const c = new WireClient({ protocol: 'http:', hostname: '127.0.0.1', port, ...opts });
  clients.push(c);
  return c;
}

const post = (path: string, body = 'hello'): [string, Buffer] => [
  `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`,
  Buffer.from(body),
];

/** A raw TCP server answering every request (one per socket at a time) with `answer(n)`. */
async function rawServer(answer: (n: number, socket: net.Socket) => string | undefined): Promise<number> {
  let n = 0;
  return listen(
    net.createServer((socket) => {
      let buffered = '';
      socket.on('data', (d) => {
        buffered += d.toString('latin1');
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) return;
          const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
          if (buffered.length < end + 4 + length) return;
          buffered = buffered.slice(end + 4 + length);
          n += 1;
          const out = answer(n, socket);
          if (out !== undefined) socket.write(out);
        }
      });
      socket.on('error', () => undefined);
    }),
  );
}

describe('WireClient', () => {
  it('sends the request as written and reads status, headers and body; keeps sockets alive', async () => {
    const seen: Array<{ method?: string; url?: string; body: string; socket: unknown }> = [];
    const port = await listen(
      http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          seen.push({ method: req.method, url: req.url, body, socket: req.socket });
          res.writeHead(req.url === '/gone' ? 410 : 200, { 'x-amzn-ErrorType': 'GoneException:x' });
          res.end(req.url === '/gone' ? '{"message":"gone"}' : '');
        });
      }),
    );
    const c = client(port, { maxSockets: 2 });
    for (let i = 0; i < 3; i += 1) {
      const r = await c.request(...post(`/@connections/a${i}`, `frame ${i}`));
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(0);
    }
    const gone = await c.request(...post('/gone'));
    expect(gone.status).toBe(410);
    expect(gone.body.toString()).toBe('{"message":"gone"}');
    expect(headerOf(gone.head, 'x-amzn-errortype')).toBe('GoneException:x');
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/@connections/a0', 'frame 0'],
      ['POST', '/@connections/a1', 'frame 1'],
      ['POST', '/@connections/a2', 'frame 2'],
      ['POST', '/gone', 'hello'],
    ]);
    // One request at a time: every request went over the same kept-alive socket.
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
    expect(c.sockets).toBe(1);
  });

  it('opens at most maxSockets sockets; requests beyond wait for a free one', async () => {
    let open = 0;
    let most = 0;
    const port = await listen(
      http.createServer((req, res) => {
        req.resume();
        req.on('end', () => setTimeout(() => res.end('ok'), 20));
      }),
    );
    servers[0]!.on('connection', (s: net.Socket) => {
      open += 1;
      most = Math.max(most, open);
      s.on('close', () => {
        open -= 1;
      });
    });
    const c = client(port, { maxSockets: 3 });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => c.request(...post(`/${i}`))));
    expect(answers.map((a) => a.body.toString())).toEqual(Array(12).fill('ok'));
    expect(most).toBe(3);
  });

  it('reads chunked bodies, close-delimited bodies and interim 100 answers', async () => {
    const port = await rawServer((n, socket) => {
      if (n === 1) {
        // Split across writes: the client must wait for the whole message.
        socket.write('HTTP/1.1 429 Too Many\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel');
        setTimeout(() => socket.write('lo\r\n6\r\n world\r\n0\r\n\r\n'), 10);
        return undefined;
      }
      if (n === 2) return 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
      socket.end('HTTP/1.1 500 Oops\r\n\r\nno length, ends with the socket');
      return undefined;
    });
    const c = client(port, { maxSockets: 1 });
    const chunked = await c.request(...post('/1'));
    expect([chunked.status, chunked.body.toString()]).toEqual([429, 'hello world']);
    const afterContinue = await c.request(...post('/2'));
    expect([afterContinue.status, afterContinue.body.toString()]).toEqual([200, 'ok']);
    const closeDelimited = await c.request(...post('/3'));
    expect([closeDelimited.status, closeDelimited.body.toString()]).toEqual([
      500,
      'no length, ends with the socket',
    ]);
    expect(c.sockets).toBe(0);
  });

  it('retires a socket whose answer says connection: close, and opens a new one next time', async () => {
    let connections = 0;
    const port = await rawServer(() => 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    servers[0]!.on('connection', () => {
      connections += 1;
    });
    const c = client(port);
    expect((await c.request(...post('/a'))).status).toBe(200);
    expect((await c.request(...post('/b'))).status).toBe(200);
    expect(connections).toBe(2);
  });

  it('fails a request without an answer in time, and a late answer is never taken for the next one', async () => {
    const port = await rawServer((n, socket) => {
      if (n === 1) {
        setTimeout(() => {
          if (!socket.destroyed) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nlate');
        }, 300);
        return undefined;
      }
      return 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfresh';
    });
    const c = client(port, { maxSockets: 1, timeoutMs: 100 });
    const started = performance.now();
    const failed = await c.request(...post('/slow')).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(WireError);
    expect((failed as WireError).code).toBe('RequestTimeout');
    expect(performance.now() - started).toBeLessThan(1000);
    const next = await c.request(...post('/next'));
    expect(next.body.toString()).toBe('fresh');
  });

  it('fails only the request on a socket the server resets, and a malformed answer', async () => {
    const port = await rawServer((n, socket) => {
      if (n === 1) {
        socket.destroy();
        return undefined;
      }
      if (n === 2) return 'SMTP ready\r\n\r\n';
      return 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n';
    });
    const c = client(port, { maxSockets: 1 });
    const reset = await c.request(...post('/1')).catch((e: unknown) => e);
    expect(reset).toBeInstanceOf(WireError);
    const bad = await c.request(...post('/2')).catch((e: unknown) => e);
    expect((bad as WireError).code).toBe('ProtocolError');
    expect((await c.request(...post('/3'))).status).toBe(200);
  });

  it('fails a refused connection with the socket error, and close() fails what is waiting', async () => {
    const free = await listen(net.createServer());
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    const refused = await client(free)
      .request(...post('/x'))
      .catch((e: unknown) => e);
    expect((refused as WireError).code).toBe('ECONNREFUSED');

    const port = await rawServer(() => undefined); // never answers
    const c = client(port, { maxSockets: 1, timeoutMs: 10_000 });
    const first = c.request(...post('/1')).catch((e: unknown) => e);
    const second = c.request(...post('/2')).catch((e: unknown) => e);
    c.close();
    expect(((await first) as WireError).code).toBe('ClientClosed');
    expect(((await second) as WireError).code).toBe('ClientClosed');
  });
});
