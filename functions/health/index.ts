import { platformHealthHandler } from '../../lib/edge/platform-health.ts';

export const handler = platformHealthHandler();
