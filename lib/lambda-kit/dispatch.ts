/**
 * One Lambda per service: its entry point receives HTTP API requests, Nexus events from
 * EventBridge rules, and direct invocations (e.g. EventBridge Scheduler targets), and routes
 * each to the right handler by the event's shape.
 */
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { isEventBridgeEvent } from './consumer.ts';

type Fn<E> = (event: E, context: Context) => Promise<unknown>;

export interface ServiceEntryPoints {
  http?: Fn<never>;
  events?: Fn<EventBridgeEvent<string, unknown>>;
  direct?: Fn<Record<string, unknown>>;
}

const isHttpEvent = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && 'requestContext' in e && 'routeKey' in e;

export function serviceLambda(entry: ServiceEntryPoints) {
  return async (event: unknown, context: Context): Promise<unknown> => {
    if (isHttpEvent(event) && entry.http) return entry.http(event as never, context);
    if (isEventBridgeEvent(event) && entry.events) return entry.events(event, context);
    if (entry.direct && typeof event === 'object' && event !== null) {
      return entry.direct(event as Record<string, unknown>, context);
    }
    throw new Error(
      'Unsupported invocation: not an HTTP request, a Nexus event or a direct call this service takes',
    );
  };
}
