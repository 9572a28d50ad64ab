import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  ensureTable,
  LOCAL_AWS,
  startDynamoDbLocal,
} from '../../../local/dynamodb';
import {
  PipeDrainError,
  type PipeEvent,
  StreamNotEnabledError,
  type StreamPipe,
  type StreamPipeOptions,
  startStreamPipe,
} from '../../../local/stream-pipe';
import { OUTBOX_STREAM_FILTER, toBusEvent } from '../../../shared/events/outbox';

const TABLE = 'stream-pipe-test';
const keySchema = {
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'S' as const },
  ],
};

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
const pipes: StreamPipe[] = [];
let counter = 0;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
  await ensureTable(client, TABLE, {
    ...keySchema,
    StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
  });
});

afterEach(async () => {
  await Promise.all(pipes.splice(0).map((pipe) => pipe.stop()));
});

afterAll(async () => {
  client.destroy();
  await dynamo.stop();
});

async function putOutboxItem(detailType: string, data: Record<string, unknown> = {}) {
  const eventId = `evt-${++counter}`;
  await client.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: {
        pk: { S: `OUTBOX#${eventId}` },
        sk: { S: 'OUTBOX' },
        recordType: { S: 'outbox' },
        eventId: { S: eventId },
        source: { S: 'test.source' },
        detailType: { S: detailType },
        detail: { S: JSON.stringify({ metadata: { eventId }, data }) },
        occurredAt: { S: new Date().toISOString() },
        payload: { B: new Uint8Array([1, 2, 3]) },
      },
    }),
  );
  return eventId;
}

async function putOtherItem(id: string) {
  await client.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: { pk: { S: `THING#${id}` }, sk: { S: 'THING' }, recordType: { S: 'thing' } },
    }),
  );
}

/** Starts the pipe as the deployed one is configured: outbox filter, enrichment, bus target. */
async function startOutboxPipe(overrides: Partial<StreamPipeOptions> = {}) {
  const delivered: PipeEvent[] = [];
  const enriched: DynamoDBRecord[][] = [];
  const pipe = await startStreamPipe({
    endpoint: dynamo.endpoint,
    tableName: TABLE,
    filters: [OUTBOX_STREAM_FILTER],
    enrich: async (records) => {
      enriched.push(records);
      return records.map((record) => toBusEvent(record.dynamodb?.NewImage as never));
    },
    detailTypePath: '$.detailType',
    sourcePath: '$.source',
    inputTemplate: '<$.detail>',
    putEvents: async (events) => {
      delivered.push(...events);
    },
    pollIntervalMs: 50,
    logger: { warn: () => {}, error: () => {} },
    ...overrides,
  });
  pipes.push(pipe);
  return { pipe, delivered, enriched };
}

describe('startStreamPipe', () => {
  it('delivers inserted outbox items only, as bus events', async () => {
    // Written before the pipe starts: a new pipe starts at LATEST and never sees it.
    await putOutboxItem('WrittenBeforeStart');
    const { pipe, delivered, enriched } = await startOutboxPipe();

    const eventId = await putOutboxItem('ThingCreated', { id: 'T1' });
    await putOtherItem('T1');
    await client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: `OUTBOX#${eventId}` }, sk: { S: 'OUTBOX' } },
        UpdateExpression: 'SET occurredAt = :now',
        ExpressionAttributeValues: { ':now': { S: new Date().toISOString() } },
      }),
    );
    await pipe.drain();

    expect(delivered).toEqual([
      {
        source: 'test.source',
        detailType: 'ThingCreated',
        detail: { metadata: { eventId }, data: { id: 'T1' } },
      },
    ]);
    // The enrichment receives the records in the shape Lambda and Pipes use.
    const record = enriched[0]?.[0];
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: expect.stringContaining(`table/${TABLE}/stream/`),
      dynamodb: {
        Keys: { pk: { S: `OUTBOX#${eventId}` }, sk: { S: 'OUTBOX' } },
        NewImage: { payload: { B: 'AQID' }, detailType: { S: 'ThingCreated' } },
        SequenceNumber: expect.any(String),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
        ApproximateCreationDateTime: expect.any(Number),
      },
    });
  });

  it('delivers in write order and retries a failed batch instead of skipping it', async () => {
    let failures = 2;
    const { pipe, delivered } = await startOutboxPipe({
      batchSize: 2,
      putEvents: async (events) => {
        if (failures-- > 0) throw new Error('bus unavailable');
        delivered.push(...events);
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await putOutboxItem(`Ordered${i}`));
    await pipe.drain();

    expect(
      delivered.map(
        (event) => (event.detail as { metadata: { eventId: string } }).metadata.eventId,
      ),
    ).toEqual(ids);
  });

  it('sends the records themselves when there is no enrichment or template', async () => {
    const { pipe, delivered } = await startOutboxPipe({
      enrich: undefined,
      inputTemplate: undefined,
      detailTypePath: undefined,
      sourcePath: undefined,
      pipeName: 'raw',
    });
    const eventId = await putOutboxItem('Raw');
    await pipe.drain();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      source: 'Pipe raw',
      detailType: 'Event from aws:dynamodb',
      detail: { eventName: 'INSERT', dynamodb: { Keys: { pk: { S: `OUTBOX#${eventId}` } } } },
    });
  });

  it('resumes after its checkpoint on restart instead of replaying or skipping', async () => {
    const checkpointFile = join(await mkdtemp(join(tmpdir(), 'pipe-')), 'checkpoint.json');
    const first = await startOutboxPipe({ checkpointFile });
    const beforeStop = await putOutboxItem('BeforeStop');
    await first.pipe.drain();
    await first.pipe.stop();
    pipes.splice(pipes.indexOf(first.pipe), 1);
    expect(first.delivered.map((e) => e.detailType)).toEqual(['BeforeStop']);

    const checkpoint = JSON.parse(await readFile(checkpointFile, 'utf8'));
    expect(Object.values(checkpoint.shards)).toContainEqual({ sequenceNumber: expect.any(String) });

    const whileDown = await putOutboxItem('WhileDown');
    const second = await startOutboxPipe({ checkpointFile });
    await second.pipe.drain();
    const ids = second.delivered.map(
      (event) => (event.detail as { metadata: { eventId: string } }).metadata.eventId,
    );
    expect(ids).toEqual([whileDown]);
    expect(ids).not.toContain(beforeStop);
  });

  it('reports a pipe that cannot catch up instead of draining', async () => {
    const { pipe } = await startOutboxPipe({
      putEvents: async () => {
        throw new Error('bus rejects everything');
      },
    });
    await putOutboxItem('Stuck');
    await expect(pipe.drain({ timeoutMs: 1_000 })).rejects.toThrow(/bus rejects everything/);
    await pipe.stop();
    pipes.splice(pipes.indexOf(pipe), 1);
    await expect(pipe.drain()).rejects.toThrow(PipeDrainError);
  });

  it('refuses a table without a stream', async () => {
    await ensureTable(client, 'no-stream-test', keySchema);
    await expect(
      startStreamPipe({
        endpoint: dynamo.endpoint,
        tableName: 'no-stream-test',
        filters: [],
        putEvents: async () => {},
      }),
    ).rejects.toThrow(StreamNotEnabledError);
  });
});
