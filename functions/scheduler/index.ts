export { handler } from '../../lib/scheduler/lambda.ts';
