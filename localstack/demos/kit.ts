/**
 * What every demo shares: the local stack's outputs, an HTTP client that fails loudly, a
 * narrator, and a poll-until helper. A demo is a plain async function that narrates and throws
 * `DemoFailed` when the flow it shows did not happen.
 */
import WebSocket from 'ws';
import { loadLocalConfig } from '../config.ts';
import { probeHealth } from '../emulator.ts';
import { type LocalOutputs, readLocalOutputs } from '../outputs.ts';

/** The flow did not happen as narrated: the demo exits non-zero with this message. */
export class DemoFailed extends Error {
  override readonly name = 'DemoFailed';
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface Demo {
  /** One line: what it shows. */
  title: string;
  /** Longest it may take before it is stopped and fails, ms. */
  budgetMs: number;
  run(ctx: DemoContext): Promise<void>;
}

const started = Date.now();
const clock = (): string => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;

/** A numbered step, in plain words. */
export function say(text: string): void {
  console.log(`[${clock()}] ${text}`);
}

/** A detail under the current step. */
export function detail(text: string): void {
  console.log(`           ${text}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Unique suffix so that demos can run again and side by side. */
export const unique = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export class DemoContext {
  private constructor(readonly outputs: LocalOutputs) {}

  /** Reads `.local/outputs.json` after checking that the stack it describes answers. */
  static async open(): Promise<DemoContext> {
    const cfg = loadLocalConfig();
    if (!(await probeHealth(cfg.endpoint)))
      throw new DemoFailed(`no local stack is up at ${cfg.endpoint}: start it with "npm run local"`);
    let outputs: LocalOutputs;
    try {
      outputs = readLocalOutputs(cfg.paths.outputsFile);
    } catch (e) {
      throw new DemoFailed(`${(e as Error).message}: run "npm run local" first`);
    }
    return new DemoContext(outputs);
  }

  /** Any HTTP call, as admin unless a token is given; never throws on a status. */
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    token: string = this.outputs.tokens.admin,
  ): Promise<Reply<T>> {
    const res = await fetch(`${this.outputs.httpApiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed as T };
  }

  /** A call that must answer `expected` (2xx by default), else the demo fails saying what came back. */
  async must<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    opts: { expected?: number; token?: string } = {},
  ): Promise<T> {
    const r = await this.call<T>(method, path, body, opts.token);
    const ok = opts.expected === undefined ? r.status >= 200 && r.status < 300 : r.status === opts.expected;
    if (!ok)
      throw new DemoFailed(
        `${method} ${path} answered ${r.status} (expected ${opts.expected ?? '2xx'}): ${JSON.stringify(r.body).slice(0, 400)}`,
      );
    return r.body;
  }

  /** The WebSocket URL of the live-campaign API. */
  webSocketUrl(): string {
    const url = this.outputs.webSocketUrl;
    if (!url) throw new DemoFailed('the stack has no WebSocket API (outputs.json has no webSocketUrl)');
    return url;
  }

  /** Opens a socket; resolves once it is open. */
  openSocket(query: Record<string, string>): Promise<WebSocket> {
    const ws = new WebSocket(`${this.webSocketUrl()}?${new URLSearchParams(query).toString()}`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) =>
        reject(new DemoFailed(`WebSocket connection refused: HTTP ${res.statusCode}`)),
      );
      ws.once('error', (e) => reject(new DemoFailed(`WebSocket error: ${e.message}`)));
    });
  }
}

/** Polls `probe` every `everyMs` until it returns a value, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new DemoFailed(`${what}: did not happen within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(everyMs);
  }
}
