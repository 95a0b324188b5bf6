import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildConsole } from '../../console/build.ts';
import { consoleEnv } from '../../lib/config/functions.ts';
import { ServiceFunction } from './service-function.ts';

export interface ConsoleProps {
  environment: string;
  retention: logs.RetentionDays;
  /** The broadcast WebSocket API the page connects to. */
  webSocket: { apiId: string; stageName: string; url: string };
  /** Adds the function's declared routes (CONSOLE_ROUTES) to the HTTP API. */
  addRoutes: (fn: lambda.IFunction) => void;
}

/**
 * The operator console (docs/console.md): one small function serving the prebuilt page from the
 * HTTP API itself (`GET /console`, `GET /console/{asset+}`). The page is built with esbuild at
 * synth time (console/build.ts) and shipped as files beside the handler, so the handler's own
 * bundle stays small. No grants beyond its logs and traces: it reads nothing but its files.
 */
export class Console extends Construct {
  readonly fn: lambda.IFunction;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    // Built only when this stack's assets are bundled (not in synths that skip bundling).
    const staged = Stack.of(this).bundlingRequired
      ? mkdtempSync(join(tmpdir(), 'tempora-console-'))
      : undefined;
    if (staged) buildConsole(staged);
    this.fn = new ServiceFunction(this, 'Function', {
      folder: 'console',
      serviceName: 'console',
      retention: props.retention,
      memorySize: 256,
      environment: consoleEnv.render({
        environment: props.environment,
        webSocketApiId: props.webSocket.apiId,
        webSocketStage: props.webSocket.stageName,
        webSocketUrl: props.webSocket.url,
      }),
      ...(staged
        ? {
            afterBundling: (out: string) => [
              `mkdir -p "${out}/console"`,
              `cp -R "${staged}/." "${out}/console/"`,
            ],
          }
        : {}),
    }).fn;
    // Bundling ran while the function was constructed: the staging folder is no longer needed.
    if (staged) rmSync(staged, { recursive: true, force: true });
    props.addRoutes(this.fn);
  }
}
