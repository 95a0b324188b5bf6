export { handler } from '../../lib/converse/lambda.ts';
