import { serviceHandler } from '../../lib/http/service-handler.ts';
import { getService } from '../../lib/registry/index.ts';

export const handler = serviceHandler(getService('search'));
