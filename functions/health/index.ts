import { platformHealthHandler } from '../../lib/http/platform-health.ts';

export const handler = platformHealthHandler();
