export { handler } from '../../lib/broadcast/ticker-lambda.ts';
