export { handler } from '../../lib/broadcast/lambda.ts';
