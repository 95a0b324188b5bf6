/**
 * `directHandler(fn)`: a direct invocation (EventBridge Scheduler target, Step Functions
 * task, custom resource, stream) with the shared Powertools stack and nothing else.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type PowertoolsOptions, powertools } from './powertools.ts';

export function directHandler<E, R>(
  fn: (event: E, context: Context) => Promise<R>,
  opts: PowertoolsOptions = {},
) {
  return middy<E, R, Error, Context>().use(powertools(opts)).handler(fn);
}
