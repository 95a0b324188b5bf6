import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsRegion, serviceEndpoint } from '../../../lib/aws/clients.ts';
import { getSecretString, SecretsManagerError } from '../../../lib/aws/secrets.ts';

/** A stand-in Secrets Manager endpoint on localhost that records what it receives. */
let server: Server;
let seen: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      if (SecretId === 'jwt') {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ Name: 'jwt', SecretString: 'k'.repeat(40) }));
      } else {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;
  process.env.AWS_REGION = 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
});
afterAll(() => {
  server.close();
  process.env = saved;
});
beforeEach(() => {
  seen = [];
});

describe('getSecretString', () => {
  it('sends a SigV4-signed GetSecretValue and returns the SecretString', async () => {
    await expect(getSecretString('jwt')).resolves.toBe('k'.repeat(40));
    expect(seen).toHaveLength(1);
    const [{ headers, body }] = seen as [{ headers: IncomingHttpHeaders; body: string }];
    expect(JSON.parse(body)).toEqual({ SecretId: 'jwt' });
    expect(headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, /,
    );
  });

  it("throws the service's error type when the call fails", async () => {
    const err = await getSecretString('missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretsManagerError);
    expect(err).toMatchObject({ type: 'ResourceNotFoundException', statusCode: 400 });
  });
});

describe('endpoints', () => {
  it('follow the SDK order: per-service variable, then AWS_ENDPOINT_URL, then AWS', () => {
    const env = { AWS_ENDPOINT_URL: 'http://emu:4566/', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://sm:1/' };
    expect(serviceEndpoint('secretsmanager', 'SECRETS_MANAGER', 'us-east-1', env)).toBe('http://sm:1');
    expect(
      serviceEndpoint('secretsmanager', 'SECRETS_MANAGER', 'us-east-1', {
        AWS_ENDPOINT_URL: 'http://emu:4566/',
      }),
    ).toBe('http://emu:4566');
    expect(serviceEndpoint('secretsmanager', 'SECRETS_MANAGER', 'us-east-1', {})).toBe(
      'https://secretsmanager.us-east-1.amazonaws.com',
    );
    expect(() => awsRegion({})).toThrow(/AWS_REGION/);
  });
});
