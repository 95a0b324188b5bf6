/**
 * What a bundled Lambda gets in place of `@smithy/core/event-streams` (infra/bundling.ts
 * aliases it here). The SDK's HTTP protocols load event-stream support with a dynamic
 * `import()` only for operations that stream events (e.g. Lambda's InvokeWithResponseStream);
 * esbuild inlines that import into the single-file bundle, ~19 KB minified (the event-stream
 * codec, its CRC32 and SHA-256) in every function. None of the clients Tempora bundles has such
 * an operation (test/unit/aws/no-event-streams.test.ts builds the bundles and checks each client in them), so this throws a
 * clear error instead of ever being reached. Outside a bundle (tests, scripts) the real one applies.
 */

const NOT_BUNDLED =
  'AWS event streams are not bundled (lib/aws/no-event-streams.ts): an SDK client with an event-stream operation needs the alias in infra/bundling.ts removed';

/** Same name and call shape as the SDK's provider: called only for an event-stream operation. */
export function eventStreamSerdeProvider(_context: unknown): never {
  throw new Error(NOT_BUNDLED);
}

export class EventStreamSerde {
  constructor(_init: unknown) {
    throw new Error(NOT_BUNDLED);
  }
}
