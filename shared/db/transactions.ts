import type { OutboxEvent } from '../events/domain-event';
import { IdempotencyKeyTakenError } from '../idempotency';
import { OUTBOX_RETENTION_SECONDS } from './entities';

/**
 * What every area's unit of work shares: outbox items with their expiry, and the reading of a
 * canceled write transaction. Transactions are laid out alike: claims first (an
 * Idempotency-Key, a detection scope; each conditional on not being taken), then the versioned
 * items (each conditional on the version read), then the rest (history, comments, links,
 * outbox), so a cancellation reason's position says what failed.
 */

/** DynamoDB refused the transaction because another one touched the same items at once. */
export class TransactionConflictError extends Error {
  override readonly name = 'TransactionConflictError';
}

/** A versioned item was changed (or created) by someone else since it was read. */
export class StaleVersionError extends Error {
  override readonly name = 'StaleVersionError';
  constructor(readonly itemId: string) {
    super(`${itemId} was modified concurrently.`);
  }
}

export function outboxItem(event: OutboxEvent) {
  return {
    ...event,
    expiresAt: Math.floor(Date.parse(event.occurredAt) / 1000) + OUTBOX_RETENTION_SECONDS,
  };
}

export function cancellationError(
  reasons: readonly string[],
  layout: { claims: number; versionedIds: readonly string[] },
): Error {
  if (reasons.includes('TransactionConflict')) return new TransactionConflictError();
  if (reasons.slice(0, layout.claims).includes('ConditionalCheckFailed')) {
    return new IdempotencyKeyTakenError();
  }
  const offset = layout.claims;
  const staleId = layout.versionedIds.find(
    (_, index) => reasons[offset + index] === 'ConditionalCheckFailed',
  );
  if (staleId !== undefined) return new StaleVersionError(staleId);
  return new Error(`Transaction canceled: ${reasons.join(', ')}`);
}
