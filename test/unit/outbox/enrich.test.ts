import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler, MalformedOutboxRecordError } from '../../../functions/outbox/enrich';
import { OUTBOX_RECORD_TYPE, type OutboxItemAttributes } from '../../../shared/events/outbox';

function outboxItem(sequence: number, detailType = 'IncidentCreated'): OutboxItemAttributes {
  const detail = {
    metadata: {
      eventId: `incident/INC-1/${sequence}`,
      eventType: detailType,
      eventVersion: 1,
      aggregateType: 'incident',
      aggregateId: 'INC-1',
      sequence,
      occurredAt: '2025-01-02T03:04:05.000Z',
      actor: { id: 'user-1', kind: 'user' },
    },
    data: { incident: { id: 'INC-1', childCount: 0 } },
  };
  return {
    recordType: OUTBOX_RECORD_TYPE,
    eventId: detail.metadata.eventId,
    source: 'itsm.incidents',
    detailType,
    detail: JSON.stringify(detail),
    occurredAt: detail.metadata.occurredAt,
  };
}

/** A stream record as EventBridge Pipes hands it to the enrichment (same shape as Lambda's). */
function streamRecord(
  image: Record<string, unknown>,
  overrides: Partial<DynamoDBRecord> = {},
): DynamoDBRecord {
  const keys = { pk: `OUTBOX#${String(image.eventId)}`, sk: 'OUTBOX' };
  const newImage = marshall({ ...keys, ...image }) as Record<string, SdkAttributeValue>;
  return {
    eventID: `event-${String(image.eventId)}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    eventSourceARN:
      'arn:aws:dynamodb:eu-west-1:123456789012:table/itsm/stream/2025-01-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1735787045,
      Keys: marshall(keys) as Record<string, AttributeValue>,
      NewImage: newImage as Record<string, AttributeValue>,
      SequenceNumber: '100000000000000000001',
      SizeBytes: 512,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    ...overrides,
  };
}

describe('outbox enrichment', () => {
  it('turns each outbox item into its bus event, in order', async () => {
    const first = outboxItem(1, 'IncidentCreated');
    const second = outboxItem(2, 'IncidentStateChanged');

    const events = await handler([streamRecord({ ...first }), streamRecord({ ...second })]);

    expect(events).toEqual([
      { source: 'itsm.incidents', detailType: 'IncidentCreated', detail: JSON.parse(first.detail) },
      {
        source: 'itsm.incidents',
        detailType: 'IncidentStateChanged',
        detail: JSON.parse(second.detail),
      },
    ]);
  });

  it('returns nothing for an empty batch', async () => {
    await expect(handler([])).resolves.toEqual([]);
  });

  it('fails the batch on a record that is not an outbox item', async () => {
    const { recordType: _, ...notOutbox } = outboxItem(1);
    const batch = [streamRecord({ ...outboxItem(2) }), streamRecord(notOutbox)];

    await expect(handler(batch)).rejects.toThrow(MalformedOutboxRecordError);
  });

  it('fails the batch on an outbox item whose detail is not JSON', async () => {
    const record = streamRecord({ ...outboxItem(1), detail: '{"metadata":' });

    await expect(handler([record])).rejects.toThrow(/event-incident\/INC-1\/1/);
  });

  it('fails the batch on a record without a new image', async () => {
    const record = streamRecord({ ...outboxItem(1) });
    const { NewImage: _, ...withoutImage } = record.dynamodb ?? {};

    await expect(handler([{ ...record, dynamodb: withoutImage }])).rejects.toThrow(
      MalformedOutboxRecordError,
    );
  });

  it('fails the batch on a removal, which the pipe filter should have dropped', async () => {
    const record = streamRecord({ ...outboxItem(1) }, { eventName: 'REMOVE' });

    await expect(handler([record])).rejects.toThrow(MalformedOutboxRecordError);
  });
});
