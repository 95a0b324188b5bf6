import { datasourceHandler } from '../../lib/datasource/handler.ts';

export const handler = datasourceHandler();
