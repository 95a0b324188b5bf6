import { consoleHandler } from '../../lib/console/lambda.ts';

/** The operator console: the page, its prebuilt files and its configuration (docs/console.md). */
export const handler = consoleHandler();
