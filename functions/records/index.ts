import { recordsHandler } from '../../lib/records/lambda.ts';

export const handler = recordsHandler();
