import { catchAllHandler } from '../../lib/lambda-kit/catch-all.ts';

/** The HTTP API's `$default` route: 404 / 405 in the contract's error shape. */
export const handler = catchAllHandler();
