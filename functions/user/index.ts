import { serviceHandler } from '../../lib/lambda-kit/entity-service.ts';
import { getService } from '../../lib/registry/index.ts';

export const handler = serviceHandler(getService('user'));
