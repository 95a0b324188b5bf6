/**
 * Powertools for AWS Lambda: one logger, metrics and tracer per process, named after the
 * service (POWERTOOLS_SERVICE_NAME, set by infra). Namespace `Tempora`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Tempora' });
export const tracer = new Tracer();
