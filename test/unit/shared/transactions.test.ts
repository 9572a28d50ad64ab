import { describe, expect, it } from 'vitest';
import {
  cancellationError,
  StaleVersionError,
  TransactionConflictError,
} from '../../../shared/db/transactions';
import { IdempotencyKeyTakenError } from '../../../shared/idempotency';

const layout = { claims: 1, versionedIds: ['a', 'b'] };

describe('cancellationError', () => {
  it('reads a lost race for the same items as a conflict to retry', () => {
    expect(cancellationError(['None', 'TransactionConflict', 'None'], layout)).toBeInstanceOf(
      TransactionConflictError,
    );
  });

  it('reads a failed claim (first item) as a taken Idempotency-Key', () => {
    expect(cancellationError(['ConditionalCheckFailed', 'None', 'None'], layout)).toBeInstanceOf(
      IdempotencyKeyTakenError,
    );
  });

  it('reads any failed leading claim as taken, and counts every claim before the versioned items', () => {
    const twoClaims = { claims: 2, versionedIds: ['a'] };
    expect(cancellationError(['None', 'ConditionalCheckFailed', 'None'], twoClaims)).toBeInstanceOf(
      IdempotencyKeyTakenError,
    );
    const stale = cancellationError(['None', 'None', 'ConditionalCheckFailed'], twoClaims);
    expect((stale as StaleVersionError).itemId).toBe('a');
  });

  it('names the versioned item whose version was stale', () => {
    const error = cancellationError(['None', 'None', 'ConditionalCheckFailed'], layout);
    expect(error).toBeInstanceOf(StaleVersionError);
    expect((error as StaleVersionError).itemId).toBe('b');
    const withoutClaim = cancellationError(['ConditionalCheckFailed', 'None'], {
      claims: 0,
      versionedIds: ['a', 'b'],
    });
    expect((withoutClaim as StaleVersionError).itemId).toBe('a');
  });

  it('reports anything else with its reasons', () => {
    const error = cancellationError(['None', 'None', 'None', 'ValidationError'], layout);
    expect(error).not.toBeInstanceOf(StaleVersionError);
    expect(error.message).toMatch(/ValidationError/);
  });
});
