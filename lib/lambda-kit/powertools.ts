/**
 * The observability every Tempora Lambda shares, as middy middlewares (Powertools' own
 * adapters, in this order): logger context (keys reset between invocations so a warm
 * container never leaks one request's correlation id into the next) and metrics. Tracing is
 * Lambda active tracing (see lib/observability.ts), so no tracer middleware here. Each kit
 * handler (`httpHandler`, `consumerHandler`, `wsHandler`, `directHandler`) starts with this
 * stack; the instances live in lib/observability.ts.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj } from '@middy/core';
import { logger, metrics } from '../observability.ts';

export interface PowertoolsOptions {
  /** Flush metrics after each invocation (default true; off where the handler flushes itself). */
  metrics?: boolean;
  /** Emit the ColdStart metric (default false: HTTP functions emit it). */
  coldStartMetric?: boolean;
}

export function powertools(opts: PowertoolsOptions = {}): MiddlewareObj[] {
  const stack: MiddlewareObj[] = [injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj];
  if (opts.metrics !== false) {
    stack.push(
      logMetrics(metrics, { captureColdStartMetric: opts.coldStartMetric ?? false }) as MiddlewareObj,
    );
  }
  return stack;
}
