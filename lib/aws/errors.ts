/**
 * What an AWS SDK error is: its `name` (the service's exception name, e.g.
 * `ConditionalCheckFailedException`, `ResourceNotFoundException`). Compared by name, not
 * `instanceof`, so an error from another copy of a client package (or a test double) is
 * recognised the same way.
 */

/** The error's name, or '' for a thrown value without one. */
export const errorName = (e: unknown): string =>
  typeof e === 'object' && e !== null && typeof (e as { name?: unknown }).name === 'string'
    ? (e as { name: string }).name
    : '';
