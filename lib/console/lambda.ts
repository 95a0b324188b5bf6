/**
 * `GET /console` and `GET /console/{asset+}`: the operator console, served by the HTTP API
 * itself (docs/console.md says why). `config.json` tells the page where the broadcast
 * WebSocket API is; every other name is one of the prebuilt files beside the handler.
 */
import { fileURLToPath } from 'node:url';
import type { EnvSource } from '../config/env.ts';
import { consoleEnv } from '../config/functions.ts';
import { notFound } from '../errors.ts';
import { httpHandler } from '../lambda-kit/http.ts';
import { once } from '../lambda-kit/lazy.ts';
import { json } from '../lambda-kit/response.ts';
import { CONSOLE_ROUTES } from '../registry/index.ts';
import { type Asset, assetResponse, loadAssets } from './assets.ts';

/** What the page reads from `config.json`. */
export interface ConsoleConfig {
  environment: string;
  webSocket: { apiId: string; stage: string; url: string };
}

/** Where the build puts the page: `console/` beside the bundled handler (resolved on first request). */
export const defaultAssetDir = (): string => fileURLToPath(new URL('./console/', import.meta.url));

export function consoleHandler(opts: { dir?: string; env?: EnvSource } = {}) {
  const assets = once(() => loadAssets(opts.dir ?? defaultAssetDir()));
  const config = once((): ConsoleConfig => {
    const env = consoleEnv.read(opts.env ?? process.env);
    return {
      environment: env.environment,
      webSocket: { apiId: env.webSocketApiId, stage: env.webSocketStage, url: env.webSocketUrl },
    };
  });
  const serve = (asset: Asset | undefined, name: string, acceptEncoding: string | undefined) => {
    if (!asset) throw notFound(`No console file "${name.slice(0, 100)}"`);
    return assetResponse(asset, acceptEncoding);
  };
  return httpHandler(CONSOLE_ROUTES, {
    'GET /console': {
      handler: async ({ headers }) =>
        serve(assets().get('index.html'), 'index.html', headers['accept-encoding']),
    },
    'GET /console/{asset+}': {
      handler: async ({ params, headers }) => {
        const name = params.asset ?? '';
        if (name === 'config.json') return json(200, config(), { 'cache-control': 'no-cache' });
        return serve(assets().get(name), name, headers['accept-encoding']);
      },
    },
  });
}
