import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { type BusEvent, toBusEvent } from '../../shared/events/outbox';

export class MalformedOutboxRecordError extends Error {
  override readonly name = 'MalformedOutboxRecordError';
}

/**
 * Enrichment step of the outbox pipe: receives the batch of stream records that passed the
 * pipe's filter (inserted outbox items) and returns, in the same order, the events to put on
 * the bus. A record that is not a well-formed outbox item fails the whole batch on purpose:
 * the pipe retries, bisects down to that record and dead-letters it, instead of an event
 * silently going missing.
 */
export const handler = async (records: DynamoDBRecord[]): Promise<BusEvent[]> =>
  records.map(toBusEventOrThrow);

function toBusEventOrThrow(record: DynamoDBRecord): BusEvent {
  const where = `stream record ${record.eventID ?? '(no id)'} (sequence ${record.dynamodb?.SequenceNumber ?? '?'})`;
  const newImage = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !newImage) {
    throw new MalformedOutboxRecordError(`${where}: not an inserted item`);
  }
  try {
    // The Lambda event typings and the SDK describe the same attribute value JSON.
    return toBusEvent(newImage as Record<string, AttributeValue>);
  } catch (error) {
    throw new MalformedOutboxRecordError(`${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
