/**
 * What a bundled Lambda gets in place of `@aws-lambda-powertools/jmespath` (infra/bundling.ts
 * aliases it to this folder): Powertools idempotency evaluates its `eventKeyJmesPath` and
 * `payloadValidationJmesPath` with it, and Tempora's are plain field paths (`key`, `request`,
 * `id`: lib/lambda-kit/middleware/idempotency.ts, lib/lambda-kit/consumer.ts). A full JMESPath parser and
 * interpreter is ~22 KB minified in every bundle; this is a dotted-path lookup. Anything else
 * throws, so an expression this cannot evaluate fails loudly (test/unit/lambda-kit/jmespath-stand-in.test.ts
 * checks it against the real library). Outside a bundle (tests, scripts) the real one applies.
 * Measured for issue 25: bundling the real library instead takes localization and broadcast to
 * 411 KB, scheduler to 406 and health to 405 (+23 KB each, over the 400 KB budget).
 */

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** JMESPath `search` for a dotted field path: a missing field (or a non-object on the way) is `null`. */
export function search(expression: string, data: unknown, _options?: unknown): unknown {
  if (!FIELD_PATH.test(expression)) {
    throw new Error(
      `JMESPath expression "${expression}" is not a plain field path: lib/lambda-kit/jmespath/ stands in for @aws-lambda-powertools/jmespath in bundles`,
    );
  }
  let value: unknown = data;
  for (const name of expression.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    value = (value as Record<string, unknown>)[name];
    if (value === undefined) return null;
  }
  return value;
}
