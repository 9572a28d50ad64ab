import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../../local/dynamodb';
import {
  type LocalQueues,
  QueueDefinitionError,
  startQueuePoller,
  startQueues,
} from '../../../local/queues';

let queues: LocalQueues;
let sqs: SQSClient;
const pollers: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  queues = await startQueues({
    queues: [
      // Declared before its dead-letter queue on purpose: creation order is derived.
      {
        logicalId: 'WorkQueue',
        name: 'work',
        visibilityTimeoutSeconds: 1,
        deadLetter: { targetLogicalId: 'WorkDlq', maxReceiveCount: 2 },
      },
      { logicalId: 'WorkDlq', name: 'work-dlq' },
      { logicalId: 'RetryQueue', name: 'retry', visibilityTimeoutSeconds: 1 },
      {
        logicalId: 'OrderedQueue',
        name: 'ordered.fifo',
        fifo: true,
        contentBasedDeduplication: true,
      },
    ],
  });
  sqs = new SQSClient({ ...LOCAL_AWS, endpoint: queues.endpoint });
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

afterAll(async () => {
  sqs.destroy();
  await queues.stop();
});

async function send(logicalId: string, body: string) {
  await sqs.send(new SendMessageCommand({ QueueUrl: queues.urlFor(logicalId), MessageBody: body }));
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function queueDepth(logicalId: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queues.urlFor(logicalId),
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('startQueues', () => {
  it('creates the queues with their redrive policy and resolves urls and arns', async () => {
    expect(queues.arnFor('WorkDlq')).toBe('arn:aws:sqs:us-east-1:000000000000:work-dlq');
    expect(queues.urlFor('OrderedQueue')).toMatch(/\/ordered\.fifo$/);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues.urlFor('WorkQueue'),
        AttributeNames: ['All'],
      }),
    );
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: queues.arnFor('WorkDlq'),
      maxReceiveCount: 2,
    });
    expect(Attributes?.VisibilityTimeout).toBe('1');
    expect(() => queues.urlFor('Unknown')).toThrow(QueueDefinitionError);
  });

  it('rejects a redrive to an unknown queue', async () => {
    await expect(
      startQueues({
        queues: [
          { logicalId: 'A', name: 'a', deadLetter: { targetLogicalId: 'B', maxReceiveCount: 1 } },
        ],
      }),
    ).rejects.toThrow(QueueDefinitionError);
  });
});

describe('startQueuePoller', () => {
  it('moves a poison message to the dead-letter queue without blocking the others', async () => {
    const processed: string[] = [];
    let poisonAttempts = 0;
    const events: SQSEvent[] = [];
    pollers.push(
      startQueuePoller({
        endpoint: queues.endpoint,
        queueUrl: queues.urlFor('WorkQueue'),
        queueArn: queues.arnFor('WorkQueue'),
        batchSize: 10,
        reportBatchItemFailures: true,
        waitTimeSeconds: 1,
        invoke: async (event) => {
          events.push(event);
          const batchItemFailures = [];
          for (const record of event.Records) {
            if (record.body === 'poison') {
              poisonAttempts++;
              batchItemFailures.push({ itemIdentifier: record.messageId });
            } else {
              processed.push(record.body);
            }
          }
          return { batchItemFailures };
        },
      }),
    );

    await send('WorkQueue', 'first');
    await send('WorkQueue', 'poison');
    await send('WorkQueue', 'second');
    await waitFor(() => processed.length === 2);
    await send('WorkQueue', 'third');
    await waitFor(() => processed.length === 3);

    // Each good message is processed exactly once, while the poison one is still retried.
    expect(processed.sort()).toEqual(['first', 'second', 'third']);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.urlFor('WorkDlq'), WaitTimeSeconds: 10 }),
    );
    expect(Messages?.map((message) => message.Body)).toEqual(['poison']);
    expect(poisonAttempts).toBe(2);
    expect(await queueDepth('WorkQueue')).toBe(0);

    const record = events[0]?.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queues.arnFor('WorkQueue'),
      awsRegion: 'us-east-1',
      messageAttributes: {},
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.any(String) },
    });
    expect(record?.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps the whole batch when the invocation throws, so it is delivered again', async () => {
    const seen: { body: string; receiveCount: string }[] = [];
    pollers.push(
      startQueuePoller({
        endpoint: queues.endpoint,
        queueUrl: queues.urlFor('RetryQueue'),
        queueArn: queues.arnFor('RetryQueue'),
        batchSize: 10,
        reportBatchItemFailures: false,
        waitTimeSeconds: 1,
        invoke: async (event) => {
          for (const record of event.Records) {
            seen.push({
              body: record.body,
              receiveCount: record.attributes.ApproximateReceiveCount,
            });
          }
          if (seen.length === 1) throw new Error('transient failure');
          // Without ReportBatchItemFailures a returned failure list is ignored: all succeed.
          return { batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId ?? '' }] };
        },
        logger: { warn: () => {}, error: () => {} },
      }),
    );

    await send('RetryQueue', 'flaky');
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual([
      { body: 'flaky', receiveCount: '1' },
      { body: 'flaky', receiveCount: '2' },
    ]);
    await waitFor(async () => (await queueDepth('RetryQueue')) === 0);
  });

  it('stops promptly while a long poll is waiting', async () => {
    const poller = startQueuePoller({
      endpoint: queues.endpoint,
      queueUrl: queues.urlFor('OrderedQueue'),
      queueArn: queues.arnFor('OrderedQueue'),
      batchSize: 10,
      reportBatchItemFailures: true,
      invoke: async () => {},
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await poller.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
