import { platformHealthHandler } from '../../lib/lambda-kit/platform-health.ts';

export const handler = platformHealthHandler();
