/**
 * The broadcast service's table design and Event API namespace, declared once for the code that
 * reads them (lib/broadcast) and the stack that creates them (infra/constructs/broadcast*.ts). A
 * module of its own, free of schemas: the ticker and authorizer Lambdas import it too.
 */

/** The leaderboard table's index of scores per campaign (lib/broadcast/leaderboard.ts). */
export const SCORE_INDEX = 'by_score';

/**
 * The tickers table's sparse index of running tickers: an item carries `RUNNING_ATTRIBUTE` only
 * while it is running (lib/broadcast/ticker-item.ts).
 */
export const RUNNING_INDEX = 'by_running';
export const RUNNING_ATTRIBUTE = 'running_ticker';

/** The Event API namespace of live campaigns' channels (lib/broadcast/channels.ts). */
export const EVENTS_NAMESPACE = 'campaigns';
