/**
 * The Event API publish (lib/broadcast/events-publish.ts) over real loopback HTTP: the request
 * AppSync expects (POST /event, JSON `{ channel, events }`, SigV4 for service `appsync` with the
 * API's host, equal to the SDK signer's), and every outcome.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppSyncClient } from '@aws-sdk/client-appsync';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it } from 'vitest';
import { EventPublisher, PublishError } from '../../../lib/broadcast/events-publish.ts';

/** The SDK client's own SHA-256 (what its signer hashes with). */
const Sha256 = new AppSyncClient({ region: 'us-east-1' }).config.sha256;
const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const HOST = 'ev1.appsync-api.eu-west-1.amazonaws.com';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

async function standIn(
  answer: (seen: Seen, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += String(c);
    });
    req.on('end', () => {
      const one = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(one);
      answer(one, res);
    });
  });
  server = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
}

const ok = (_s: Seen, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"successful":[{"identifier":"x","index":0}],"failed":[]}');
};

describe('EventPublisher', () => {
  it('POSTs { channel, events } to /event with the API host, signed for appsync as the SDK signer would', async () => {
    const { url, seen } = await standIn(ok);
    const p = new EventPublisher({ publishUrl: url, publishHost: HOST }, { credentials: () => creds });
    expect(await p.publish('/campaigns/c1', ['{"seq":1}'])).toBe('ok');
    p.close();
    const [req] = seen;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/event');
    expect(req?.headers.host).toBe(HOST);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({ channel: '/campaigns/c1', events: ['{"seq":1}'] });
    const amzDate = String(req?.headers['x-amz-date']);
    const signer = new SignatureV4({
      service: 'appsync',
      region: 'eu-west-1',
      sha256: Sha256,
      credentials: creds,
    });
    const at = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const sdk = await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: HOST,
        path: '/event',
        headers: {
          host: HOST,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(req?.body ?? '')),
        },
        body: req?.body,
      },
      { signingDate: at },
    );
    expect(req?.headers.authorization).toBe(sdk.headers.authorization);
    expect(req?.headers.authorization).toContain('/eu-west-1/appsync/aws4_request');
  });

  it('429 is throttled; a failed event, 401 or 500 is a PublishError; a hung request times out', async () => {
    let status = 429;
    const { url } = await standIn((s, res) => {
      if (status === 0) return; // never answers
      if (status === 200) {
        res.writeHead(200);
        res.end('{"successful":[],"failed":[{"identifier":"x","index":0,"code":400,"errorMessage":"bad"}]}');
        return;
      }
      res.writeHead(status, { 'x-amzn-errortype': status === 401 ? 'UnauthorizedException' : 'Boom' });
      res.end(JSON.stringify({ errors: [{ errorType: 'x' }], at: s.url }));
    });
    const p = new EventPublisher(
      { publishUrl: url, publishHost: HOST },
      { credentials: () => creds, requestTimeoutMs: 300 },
    );
    expect(await p.publish('/campaigns/c1', ['{}'])).toBe('throttled');
    for (const s of [401, 500, 200, 0]) {
      status = s;
      const e = await p.publish('/campaigns/c1', ['{}']).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PublishError);
      expect((e as PublishError).statusCode).toBe(s);
    }
    await expect(p.publish('/campaigns/c1', [])).rejects.toThrow(RangeError);
    await expect(p.publish('/campaigns/c1', ['1', '2', '3', '4', '5', '6'])).rejects.toThrow(RangeError);
    p.close();
  });
});
