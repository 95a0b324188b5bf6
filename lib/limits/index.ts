/**
 * The stores' limits, stated once (base layer: imports only zod and lib/errors.ts). The edge
 * applies them to every route: `assertRequestLimits` and `checkBodySize` before parsing,
 * `assertJsonLimits` on the parsed body, and the zod helpers inside route and metadata schemas.
 * Every violation is the contract's 400 `validation_failed` naming the field, or a 413.
 */
export * from './dynamodb.ts';
export * from './eventbridge.ts';
export * from './http.ts';
export * from './json.ts';
export * from './zod.ts';
