import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * Transactional outbox. A use case writes its domain events as outbox items in the same
 * DynamoDB transaction as the state change; the table's stream feeds an EventBridge pipe that
 * keeps only inserted outbox items (OUTBOX_STREAM_FILTER), an enrichment function turns each
 * into `{ source, detailType, detail }` (toBusEvent), and the pipe puts it on the bus.
 * Outbox items expire through TTL; their deletion is a REMOVE record the filter drops.
 */
export const OUTBOX_RECORD_TYPE = 'outbox';

/** Attributes of an outbox item as stored (besides the table keys). */
export interface OutboxItemAttributes {
  recordType: typeof OUTBOX_RECORD_TYPE;
  eventId: string;
  source: string;
  detailType: string;
  /** The event detail, serialized JSON: `{ metadata, data }`. */
  detail: string;
  occurredAt: string;
}

/** EventBridge Pipes filter pattern (DynamoDB stream record) selecting new outbox items. */
export const OUTBOX_STREAM_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { recordType: { S: [OUTBOX_RECORD_TYPE] } } },
} as const;

export interface BusEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

/** Turns a stream record's NewImage of an outbox item into the event to put on the bus. */
export function toBusEvent(newImage: Record<string, AttributeValue>): BusEvent {
  const item = unmarshall(newImage) as Partial<OutboxItemAttributes>;
  if (item.recordType !== OUTBOX_RECORD_TYPE || !item.source || !item.detailType || !item.detail) {
    throw new Error(`Not an outbox item: ${JSON.stringify(Object.keys(item))}`);
  }
  return { source: item.source, detailType: item.detailType, detail: JSON.parse(item.detail) };
}
