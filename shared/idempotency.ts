import { createHash } from 'node:crypto';
import { IDEMPOTENCY_RETENTION_SECONDS } from './db/entities';
import { IdempotencyKeyReusedError } from './errors';

/**
 * Idempotency-Key handling for creates, shared by every process area. A create claims its
 * key with an item written in the same DynamoDB transaction as the resource (condition: key
 * not taken), so a retry or a concurrent duplicate can never create a second resource; it
 * finds the claim and returns the first result instead. Powertools' idempotency utility is
 * not used for this: it writes its record outside the resource's transaction, which leaves
 * a window where a crash after the commit would allow a duplicate.
 */
export interface IdempotencyClaim {
  /** Who used the key for what, e.g. `incident-create:<principal id>`: keys are per caller. */
  scope: string;
  key: string;
  requestHash: string;
  resourceId: string;
  createdAt: string;
  /**
   * Epoch seconds. An Idempotency-Key claim lives a day, like the usual retention of API
   * providers; a work note's claim has none (`workNoteClaim`).
   */
  expiresAt?: number;
}

/** The same body, whatever its key order, gives the same hash. */
export function requestHash(input: unknown): string {
  const canonical = JSON.stringify(input, (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

export function claimFor(
  request: { scope: string; key: string; input: unknown },
  resourceId: string,
  now: string,
): IdempotencyClaim {
  return {
    scope: request.scope,
    key: request.key,
    requestHash: requestHash(request.input),
    resourceId,
    createdAt: now,
    expiresAt: Math.floor(Date.parse(now) / 1000) + IDEMPOTENCY_RETENTION_SECONDS,
  };
}

/**
 * What an earlier claim of the key means for this request: the id of the resource to return
 * again, or a refusal when the key was used for a different body.
 */
export function replayOf(
  earlier: Pick<IdempotencyClaim, 'requestHash' | 'resourceId'>,
  request: { key: string; input: unknown },
): string {
  if (earlier.requestHash !== requestHash(request.input)) {
    throw new IdempotencyKeyReusedError(
      `Idempotency-Key '${request.key}' was used for a different request body.`,
    );
  }
  return earlier.resourceId;
}

/** The transaction lost the race for the key: run the create again to find the claim. */
export class IdempotencyKeyTakenError extends Error {
  override readonly name = 'IdempotencyKeyTakenError';
}

/**
 * The idempotency request of a work note whose id an event gave (a follow-up of another
 * area's change): one claim per aggregate and note id, so a redelivered event writes it once.
 */
export function workNoteRequest(
  aggregateType: string,
  aggregateId: string,
  note: { commentId: string; body: string },
) {
  return {
    scope: `${aggregateType}-work-note:${aggregateId}`,
    key: note.commentId,
    input: { body: note.body },
  };
}

/**
 * The claim of a work note an event gave. It is kept, without expiry: a redelivery however
 * late (a dead-letter queue redriven days after) finds it and writes nothing. One small item
 * per note, as many as the notes themselves.
 */
export function workNoteClaim(
  request: ReturnType<typeof workNoteRequest>,
  now: string,
): IdempotencyClaim {
  const { expiresAt: _oneDay, ...kept } = claimFor(request, request.key, now);
  return kept;
}
