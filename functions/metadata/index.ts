import { datasourceHandler } from '../../lib/records/handler.ts';

export const handler = datasourceHandler();
