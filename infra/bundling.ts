/**
 * How every Lambda is bundled, as plain esbuild settings: infra/ hands them to
 * NodejsFunction, bench/bundles.ts builds with exactly the same ones.
 */
export const LAMBDA_BUNDLE = {
  format: 'esm',
  target: 'node22',
  platform: 'node',
  minify: true,
  sourcemap: false,
  /** Nothing external: the SDK v3 is bundled and tree-shaken to the commands a function uses. */
  external: [] as string[],
  /** Prefer packages' ES module builds so esbuild can tree-shake them. */
  mainFields: ['module', 'main'],
  /**
   * Packages swapped at bundle time. Credentials come from the environment (as Lambda gives
   * them), not the SDK's default provider chain: see lib/aws/env-credentials.ts. Powertools
   * idempotency's JMESPath evaluates plain field paths: see lib/lambda-kit/jmespath/. The SDK's
   * event-stream support is never loaded: see lib/aws/no-event-streams.ts. DynamoDB's
   * endpoint-discovery cache: see lib/aws/endpoint-cache.ts.
   * Paths are relative to the project root (esbuild's working directory).
   */
  alias: {
    '@aws-sdk/credential-provider-node': './lib/aws/env-credentials.ts',
    // Idempotency's JMESPath: our expressions are plain field paths (-22 KB): see lib/lambda-kit/jmespath/.
    '@aws-lambda-powertools/jmespath': './lib/lambda-kit/jmespath',
    // Event-stream serde, loaded only by streaming operations none of our clients has (-19 KB).
    '@smithy/core/event-streams': './lib/aws/no-event-streams.ts',
    // DynamoDB's endpoint-discovery cache on a Map instead of mnemonist's LRU (-7.4 KB).
    '@aws-sdk/endpoint-cache': './lib/aws/endpoint-cache.ts',
  } as Record<string, string>,
  /** ESM output with CommonJS dependencies needs a `require`. */
  banner: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
} as const;
