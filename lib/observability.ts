/**
 * Powertools for AWS Lambda: one logger and one metrics instance per process, named after the
 * service (POWERTOOLS_SERVICE_NAME, set by infra). Namespace `Tempora`.
 *
 * Tracing is Lambda active tracing (infra/constructs/service-function.ts): Lambda records the
 * invocation segment itself. The Powertools Tracer is deliberately not used: it pulls the
 * X-Ray SDK (`aws-xray-sdk-core`, `semver`, `cls-hooked`, ~118 KB minified) into every bundle
 * for per-handler subsegments nobody reads (measured with `npm run bench -- bundles`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger();
export const metrics = new Metrics({ namespace: 'Tempora' });
