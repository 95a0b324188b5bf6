import { describe, expect, it } from 'vitest';
import { normalizeEndpoint } from '../../../localstack/config.ts';
import { buildLocalOutputs, tablesFromOutputs } from '../../../localstack/outputs.ts';
import { localHttpApiUrl, localWebSocketUrl } from '../../../localstack/urls.ts';

describe('localHttpApiUrl', () => {
  it('serves a $default stage from the API root (no stage segment)', () => {
    expect(localHttpApiUrl('http://127.0.0.1:4566', 'a1b2c3d4')).toBe(
      'http://127.0.0.1:4566/_aws/execute-api/a1b2c3d4',
    );
    expect(localHttpApiUrl('http://127.0.0.1:4566', 'a1b2c3d4', '$default')).toBe(
      'http://127.0.0.1:4566/_aws/execute-api/a1b2c3d4',
    );
  });

  it('adds a named stage as a path segment', () => {
    expect(localHttpApiUrl('http://localhost:4566', 'abc123', 'dev')).toBe(
      'http://localhost:4566/_aws/execute-api/abc123/dev',
    );
  });

  it('ignores trailing slashes of the endpoint, and works for non-local endpoints', () => {
    expect(localHttpApiUrl('https://emulator.example.com:4566//', 'abc123')).toBe(
      'https://emulator.example.com:4566/_aws/execute-api/abc123',
    );
  });

  it('rejects something that is not an API id', () => {
    expect(() => localHttpApiUrl('http://127.0.0.1:4566', 'abc/../x')).toThrow(/API id/);
    expect(() => localHttpApiUrl('http://127.0.0.1:4566', '')).toThrow(/API id/);
  });
});

describe('localWebSocketUrl', () => {
  it('uses ws:// and the stage segment', () => {
    expect(localWebSocketUrl('http://127.0.0.1:4610', 'ws1234', 'dev')).toBe(
      'ws://127.0.0.1:4610/_aws/execute-api/ws1234/dev',
    );
  });

  it('uses wss:// for an https endpoint and keeps $default readable', () => {
    expect(localWebSocketUrl('https://localhost:4566/', 'ws1234', '$default')).toBe(
      'wss://localhost:4566/_aws/execute-api/ws1234/$default',
    );
  });

  it('requires a stage', () => {
    expect(() => localWebSocketUrl('http://127.0.0.1:4566', 'ws1234', '')).toThrow(/stage/);
  });
});

describe('normalizeEndpoint', () => {
  it('strips trailing slashes and rejects non-http URLs', () => {
    expect(normalizeEndpoint('http://localhost:4566/')).toBe('http://localhost:4566');
    expect(() => normalizeEndpoint('localhost:4566')).toThrow(/http/);
    expect(() => normalizeEndpoint('not a url')).toThrow(/not a URL/);
  });
});

describe('outputs.json', () => {
  const tokens = { admin: 'a.b.c', user: 'd.e.f', service: 'g.h.i' };
  const stackOutputs = {
    HttpApiId: 'a1b2c3d4',
    HttpApiEndpoint: 'https://a1b2c3d4.execute-api.us-east-1.amazonaws.com',
    JwtSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:jwt-AbCdEf',
    EventBusName: 'tempora-dev-nexus',
    TableMetadataMaster: 'tempora-dev-metadata-master',
    TableOutbox: 'tempora-dev-outbox',
  };
  const base = {
    endpoint: 'http://127.0.0.1:4566/',
    region: 'us-east-1',
    environment: 'dev',
    stackName: 'Tempora-dev',
  };

  it('maps Table<Name> outputs to camel-case keys', () => {
    expect(tablesFromOutputs({ ...stackOutputs, Tablet: 'not a table', Table: 'nor this' })).toEqual({
      metadataMaster: 'tempora-dev-metadata-master',
      outbox: 'tempora-dev-outbox',
    });
  });

  it('builds the contract shape', () => {
    const out = buildLocalOutputs({ ...base, stackOutputs, tokens });
    expect(out).toEqual({
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      environment: 'dev',
      stackName: 'Tempora-dev',
      httpApiUrl: 'http://127.0.0.1:4566/_aws/execute-api/a1b2c3d4',
      eventBusName: 'tempora-dev-nexus',
      tables: { metadataMaster: 'tempora-dev-metadata-master', outbox: 'tempora-dev-outbox' },
      tokens,
      stackOutputs,
    });
    expect(out).not.toHaveProperty('webSocketUrl');
  });

  it('adds webSocketUrl when the stack outputs WebSocketApiId', () => {
    const out = buildLocalOutputs({
      ...base,
      stackOutputs: { ...stackOutputs, WebSocketApiId: 'ws1234', WebSocketStage: 'dev' },
      tokens,
    });
    expect(out.webSocketUrl).toBe('ws://127.0.0.1:4566/_aws/execute-api/ws1234/dev');
  });

  it('names the missing outputs', () => {
    expect(() => buildLocalOutputs({ ...base, stackOutputs: { HttpApiId: 'abc' }, tokens })).toThrow(
      /JwtSecretArn, EventBusName/,
    );
  });
});
