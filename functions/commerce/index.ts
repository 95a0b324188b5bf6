import { serviceHandler } from '../../lib/edge/service-handler.ts';
import { getService } from '../../lib/registry/index.ts';

export const handler = serviceHandler(getService('commerce'));
