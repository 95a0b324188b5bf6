export { handler } from '../../lib/commerce/lambda.ts';
