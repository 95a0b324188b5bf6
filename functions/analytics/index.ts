export { handler } from '../../lib/analytics/lambda.ts';
