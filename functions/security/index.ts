export { handler } from '../../lib/security/lambda.ts';
