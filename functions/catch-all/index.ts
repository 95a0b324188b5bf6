import { catchAllHandler } from '../../lib/edge/catch-all.ts';

/** The HTTP API's `$default` route: 404 / 405 in the contract's error shape. */
export const handler = catchAllHandler();
