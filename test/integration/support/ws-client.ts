/**
 * A WebSocket client of the broadcast API for tests: a real `ws` socket that records every
 * frame it receives with its arrival time.
 */
import WebSocket from 'ws';
import { loadOutputs } from './outputs.ts';
import { tokenFor } from './tokens.ts';

export interface Received {
  /** Arrival time, `Date.now()`. */
  at: number;
  frame: Record<string, unknown> & { type?: string };
}

export type ConnectOutcome =
  | { ok: true; client: LiveClient }
  | {
      ok: false;
      status: number | undefined;
      reason: string;
      /** The refusal's HTTP body (API Gateway answers the $connect Lambda's), when there was one. */
      body?: string;
    };

export function webSocketUrl(): string {
  const url = loadOutputs().webSocketUrl;
  if (!url) throw new Error('outputs.json has no webSocketUrl: is the broadcast construct deployed?');
  return url;
}

export class LiveClient {
  readonly received: Received[] = [];
  closed = false;
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let frame: Received['frame'];
      try {
        frame = JSON.parse(String(data)) as Received['frame'];
      } catch {
        frame = { type: '<unparsable>', raw: String(data) };
      }
      this.received.push({ at: Date.now(), frame });
    });
    ws.on('close', (code) => {
      this.closed = true;
      this.closeCode = code;
    });
  }

  /** Open a connection; a refused handshake resolves `{ ok: false, status }`. */
  static connect(query: Record<string, string>, timeoutMs = 20_000): Promise<ConnectOutcome> {
    const url = `${webSocketUrl()}?${new URLSearchParams(query).toString()}`;
    return new Promise((resolve) => {
      const ws = new WebSocket(url);
      const client = new LiveClient(ws);
      let done = false;
      const finish = (o: ConnectOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(o);
      };
      const timer = setTimeout(() => {
        ws.terminate();
        finish({ ok: false, status: undefined, reason: 'timeout' });
      }, timeoutMs);
      ws.once('open', () => finish({ ok: true, client }));
      // A refused handshake: an HTTP response instead of the upgrade; read its body, then drop it.
      ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        const refused = () => {
          const body = Buffer.concat(chunks).toString('utf8');
          finish({ ok: false, status: res.statusCode, reason: `HTTP ${res.statusCode}`, body });
          ws.terminate();
        };
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', refused);
        res.once('error', refused);
      });
      ws.once('error', (e) => finish({ ok: false, status: undefined, reason: e.message }));
      ws.once('close', (code) => finish({ ok: false, status: undefined, reason: `closed ${code}` }));
    });
  }

  /** Connect, failing the test when refused. */
  static async open(query: Record<string, string>): Promise<LiveClient> {
    const o = await LiveClient.connect(query);
    if (!o.ok) throw new Error(`connection refused: ${o.reason}`);
    return o.client;
  }

  /** A client of campaign `campaignId` as user `user`, with a user token of its own. */
  static async join(campaignId: string, user: string): Promise<LiveClient> {
    return LiveClient.open({ campaign_id: campaignId, user_id: user, token: await tokenFor(user, 'user') });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Frames of a type, in arrival order. */
  frames(type: string): Received[] {
    return this.received.filter((r) => r.frame.type === type);
  }

  states(): Array<Received & { seq: number }> {
    return this.frames('campaign.state').map((r) => ({ ...r, seq: Number(r.frame.seq) }));
  }

  /** Wait until `predicate` holds over what was received, or fail after `timeoutMs`. */
  async waitFor<T>(
    predicate: (received: Received[]) => T | undefined | false,
    timeoutMs = 15_000,
    what = 'frames',
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = predicate(this.received);
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) {
        const types = this.received.map((r) => r.frame.type).join(',');
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; received ${this.received.length}: ${types.slice(-400)}`,
        );
      }
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 3000);
      this.ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.ws.close();
    });
  }

  /** Vanish: drop the TCP connection without a close frame. */
  terminate(): void {
    this.ws.terminate();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
