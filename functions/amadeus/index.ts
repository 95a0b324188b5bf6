export { handler } from '../../lib/amadeus/lambda.ts';
