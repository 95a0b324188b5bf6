export { handler } from '../../lib/broadcast/authorizer-lambda.ts';
