export { handler } from '../../lib/search/lambda.ts';
