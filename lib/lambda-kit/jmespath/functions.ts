/**
 * `@aws-lambda-powertools/jmespath/functions` in a bundle (see ./index.ts): Powertools
 * idempotency constructs its custom functions (`powertools_json()` …) by default; a plain
 * field path calls none.
 */
export class PowertoolsFunctions {}
