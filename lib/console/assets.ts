/**
 * The operator console's files (docs/console.md): the prebuilt page (console/build.ts) shipped
 * beside the function's handler, served from the HTTP API itself. The set of files is read
 * once per process from the folder: a request can only name one of them (no path is ever
 * joined from the request), anything else is the contract's 404.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Content types of the files the build writes. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Files at least this large are sent gzip-compressed to clients that accept it. */
const GZIP_MIN_BYTES = 1024;

export interface Asset {
  readonly name: string;
  readonly type: string;
  readonly bytes: Buffer;
  /** Content-hashed names never change: cached for a year; the page itself is revalidated. */
  readonly immutable: boolean;
  gzipped?: Buffer;
}

/** The console's files by name (`index.html`, `app-<hash>.js`, `chunk-<hash>.js`, …). */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    assets.set(name, {
      name,
      type,
      bytes: readFileSync(join(dir, name)),
      immutable: /-[A-Z0-9]{8,}\.\w+$/.test(name),
    });
  }
  return assets;
}

export interface AssetResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** The HTTP response for one asset, gzip-compressed when `acceptEncoding` allows it. */
export function assetResponse(asset: Asset, acceptEncoding = ''): AssetResponse {
  const headers: Record<string, string> = {
    'content-type': asset.type,
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    vary: 'accept-encoding',
  };
  if (asset.type.startsWith('text/html')) {
    // The page loads only its own scripts and talks only to this API and its WebSocket API.
    headers['content-security-policy'] =
      "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
    headers['referrer-policy'] = 'no-referrer';
  }
  if (asset.bytes.length >= GZIP_MIN_BYTES && /\bgzip\b/.test(acceptEncoding)) {
    asset.gzipped ??= gzipSync(asset.bytes);
    return {
      statusCode: 200,
      headers: { ...headers, 'content-encoding': 'gzip' },
      body: asset.gzipped.toString('base64'),
      isBase64Encoded: true,
    };
  }
  const text = asset.type.startsWith('text/') || asset.type === 'application/json';
  return {
    statusCode: 200,
    headers,
    body: text ? asset.bytes.toString('utf8') : asset.bytes.toString('base64'),
    isBase64Encoded: !text,
  };
}
