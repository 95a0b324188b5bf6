export { handler } from '../../lib/notification/lambda.ts';
