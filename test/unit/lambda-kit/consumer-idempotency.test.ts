/**
 * The consumer kit's idempotency middleware (lib/lambda-kit/consumer.ts): a duplicate that finds the
 * first delivery still in progress must not delete that delivery's record (else Lambda's retry
 * of the duplicate would run the handler again); any other error releases the record as
 * Powertools does.
 */

import { IDEMPOTENCY_KEY } from '@aws-lambda-powertools/commons';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { Request } from '@middy/core';
import { describe, expect, it, vi } from 'vitest';
import { envelopeIdempotency } from '../../../lib/lambda-kit/consumer.ts';

function requestWith(error: Error) {
  const handleMiddyOnError = vi.fn(async () => {});
  const request = {
    event: {},
    context: {},
    response: undefined,
    error,
    internal: { [`${IDEMPOTENCY_KEY}.idempotencyHandler`]: { handleMiddyOnError } },
  } as unknown as Request;
  return { request, handleMiddyOnError };
}

describe('envelopeIdempotency onError', () => {
  it('leaves the in-progress record of the other delivery alone', async () => {
    const { request, handleMiddyOnError } = requestWith(new IdempotencyAlreadyInProgressError('in progress'));
    await envelopeIdempotency('table').onError?.(request);
    expect(handleMiddyOnError).not.toHaveBeenCalled();
  });

  it('releases the record when the handler itself failed', async () => {
    const { request, handleMiddyOnError } = requestWith(new Error('handler failed'));
    await envelopeIdempotency('table').onError?.(request);
    expect(handleMiddyOnError).toHaveBeenCalledTimes(1);
  });
});
