import type { z } from '../zod';
import { type Actor, type EventContract, eventIdFor } from './envelope';
import type { OutboxItemAttributes } from './outbox';

export type OutboxEvent = Omit<OutboxItemAttributes, 'recordType'>;

export interface EventOrigin {
  aggregateId: string;
  /** Per-aggregate sequence number of this event. */
  sequence: number;
  actor: Actor;
  occurredAt: string;
  correlationId?: string;
}

/**
 * Builds an outbox event from a catalog contract. The detail is validated against the
 * contract's schema here, so a malformed event fails the use case (and its transaction)
 * instead of reaching consumers.
 */
export function domainEvent<C extends EventContract>(
  contract: C,
  origin: EventOrigin,
  data: z.input<C['data']>,
): OutboxEvent {
  const eventId = eventIdFor(contract.aggregateType, origin.aggregateId, origin.sequence);
  const detail = contract.detail.parse({
    metadata: {
      eventId,
      eventType: contract.detailType,
      eventVersion: contract.version,
      aggregateType: contract.aggregateType,
      aggregateId: origin.aggregateId,
      sequence: origin.sequence,
      occurredAt: origin.occurredAt,
      actor: origin.actor,
      ...(origin.correlationId ? { correlationId: origin.correlationId } : {}),
    },
    data,
  });
  return {
    eventId,
    source: contract.source,
    detailType: contract.detailType,
    detail: JSON.stringify(detail),
    occurredAt: origin.occurredAt,
  };
}
