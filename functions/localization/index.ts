export { handler } from '../../lib/localization/lambda.ts';
