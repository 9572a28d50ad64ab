import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { LOCAL_AWS } from './dynamodb';

/**
 * SQS emulation on fauxqs (which honours redrive policies: a message received more than
 * maxReceiveCount times moves to the dead-letter queue on its next receive), and a poller
 * that behaves like a Lambda SQS event source mapping.
 */

export interface LocalQueueDefinition {
  logicalId: string;
  name: string;
  fifo?: boolean;
  contentBasedDeduplication?: boolean;
  visibilityTimeoutSeconds?: number;
  deadLetter?: { targetLogicalId: string; maxReceiveCount: number };
}

export interface LocalQueues {
  endpoint: string;
  urlFor(logicalId: string): string;
  arnFor(logicalId: string): string;
  stop(): Promise<void>;
}

export class QueueDefinitionError extends Error {
  override name = 'QueueDefinitionError';
}

/**
 * Starts an SQS endpoint with the given queues, each dead-letter queue before the queues
 * that redrive to it. With `dataDir` queues and messages persist between runs.
 */
export async function startQueues(options: {
  port?: number;
  queues: LocalQueueDefinition[];
  dataDir?: string;
  region?: string;
}): Promise<LocalQueues> {
  const ordered = deadLetterQueuesFirst(options.queues);
  const server: FauxqsServer = await startFauxqs({
    port: options.port ?? 0,
    logger: false,
    defaultRegion: options.region ?? LOCAL_AWS.region,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const created = new Map<string, { queueUrl: string; queueArn: string }>();
  try {
    for (const queue of ordered) {
      const attributes: Record<string, string> = {};
      if (queue.fifo) attributes.FifoQueue = 'true';
      if (queue.contentBasedDeduplication) attributes.ContentBasedDeduplication = 'true';
      if (queue.visibilityTimeoutSeconds !== undefined) {
        attributes.VisibilityTimeout = String(queue.visibilityTimeoutSeconds);
      }
      if (queue.deadLetter) {
        const target = created.get(queue.deadLetter.targetLogicalId);
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: target?.queueArn,
          maxReceiveCount: queue.deadLetter.maxReceiveCount,
        });
      }
      created.set(queue.logicalId, server.createQueue(queue.name, { attributes }));
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  const lookup = (logicalId: string) => {
    const queue = created.get(logicalId);
    if (!queue) throw new QueueDefinitionError(`No queue with logical id '${logicalId}'`);
    return queue;
  };
  return {
    endpoint: server.address,
    urlFor: (logicalId) => lookup(logicalId).queueUrl,
    arnFor: (logicalId) => lookup(logicalId).queueArn,
    stop: () => server.stop(),
  };
}

function deadLetterQueuesFirst(queues: LocalQueueDefinition[]): LocalQueueDefinition[] {
  const byId = new Map(queues.map((queue) => [queue.logicalId, queue]));
  const ordered: LocalQueueDefinition[] = [];
  const visiting = new Set<string>();
  const visit = (queue: LocalQueueDefinition) => {
    if (ordered.includes(queue)) return;
    if (visiting.has(queue.logicalId)) {
      throw new QueueDefinitionError(`Dead-letter queues form a cycle at '${queue.logicalId}'`);
    }
    visiting.add(queue.logicalId);
    if (queue.deadLetter) {
      const target = byId.get(queue.deadLetter.targetLogicalId);
      if (!target) {
        throw new QueueDefinitionError(
          `Queue '${queue.logicalId}' redrives to unknown queue '${queue.deadLetter.targetLogicalId}'`,
        );
      }
      visit(target);
    }
    visiting.delete(queue.logicalId);
    ordered.push(queue);
  };
  for (const queue of queues) visit(queue);
  return ordered;
}

export type SqsBatchResponse = { batchItemFailures?: { itemIdentifier: string }[] };

export interface QueuePollerOptions {
  endpoint: string;
  queueUrl: string;
  queueArn: string;
  /** Messages per invocation; above 10 several receives fill the batch, as Lambda does. */
  batchSize: number;
  /** `FunctionResponseTypes: ['ReportBatchItemFailures']`. */
  reportBatchItemFailures: boolean;
  // biome-ignore lint/suspicious/noConfusingVoidType: handlers returning Promise<void> are valid.
  invoke: (event: SQSEvent) => Promise<SqsBatchResponse | undefined | void>;
  /** Long-poll wait per receive; Lambda uses 20 seconds. */
  waitTimeSeconds?: number;
  /** Batches processed in parallel (Lambda scales out; 1 keeps local runs ordered). */
  concurrency?: number;
  region?: string;
  logger?: Pick<Console, 'warn' | 'error'>;
}

const RECEIVE_ERROR_BACKOFF_MS = 1_000;

/**
 * Polls a queue like a Lambda event source mapping: receive, invoke with the Lambda SQS event,
 * then delete what succeeded. A thrown error deletes nothing; with reportBatchItemFailures
 * only the listed messages stay (an unknown or empty identifier fails the whole batch, as in
 * Lambda). Messages that stay come back after their visibility timeout and end in the
 * dead-letter queue after maxReceiveCount receives.
 */
export function startQueuePoller(options: QueuePollerOptions): { stop(): Promise<void> } {
  const sqs = new SQSClient({ ...LOCAL_AWS, endpoint: options.endpoint });
  const region = options.region ?? LOCAL_AWS.region;
  const logger = options.logger ?? console;
  const abort = new AbortController();
  const label = `[queue-poller ${options.queueArn}]`;

  const receive = async (max: number, waitTimeSeconds: number): Promise<Message[]> => {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(max, 10),
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: abort.signal },
    );
    return Messages ?? [];
  };

  const receiveBatch = async (): Promise<Message[]> => {
    const batch = await receive(options.batchSize, options.waitTimeSeconds ?? 20);
    while (batch.length > 0 && batch.length < options.batchSize) {
      const more = await receive(options.batchSize - batch.length, 0);
      if (more.length === 0) break;
      batch.push(...more);
    }
    return batch;
  };

  const deleteMessages = async (messages: Message[]) => {
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      const { Failed } = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
      if (Failed?.length) {
        logger.warn(
          `${label} could not delete ${Failed.length} message(s): ${JSON.stringify(Failed)}`,
        );
      }
    }
  };

  const processBatch = async (messages: Message[]) => {
    const event: SQSEvent = {
      Records: messages.map((message) => toSqsRecord(message, options.queueArn, region)),
    };
    let response: Awaited<ReturnType<QueuePollerOptions['invoke']>>;
    try {
      response = await options.invoke(event);
    } catch (error) {
      logger.error(
        `${label} invocation failed, ${messages.length} message(s) stay: ${String(error)}`,
      );
      return;
    }
    const failures = options.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
    const ids = new Set(messages.map((message) => message.MessageId));
    if (failures.some(({ itemIdentifier }) => !itemIdentifier || !ids.has(itemIdentifier))) {
      logger.error(
        `${label} batchItemFailures names unknown messages, the whole batch stays: ${JSON.stringify(failures)}`,
      );
      return;
    }
    const failed = new Set(failures.map(({ itemIdentifier }) => itemIdentifier));
    await deleteMessages(messages.filter((message) => !failed.has(message.MessageId as string)));
  };

  const loop = async () => {
    while (!abort.signal.aborted) {
      try {
        const messages = await receiveBatch();
        if (messages.length > 0) await processBatch(messages);
      } catch (error) {
        if (abort.signal.aborted) return;
        logger.error(`${label} ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, RECEIVE_ERROR_BACKOFF_MS));
      }
    }
  };

  const loops = Array.from({ length: Math.max(1, options.concurrency ?? 1) }, loop);
  return {
    async stop() {
      abort.abort();
      await Promise.all(loops);
      sqs.destroy();
    },
  };
}

/** The record shape a Lambda function receives from an SQS event source mapping. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((binary) =>
        Buffer.from(binary).toString('base64'),
      ),
      dataType: value.DataType ?? 'String',
    };
  }
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: (message.Attributes ?? {}) as unknown as SQSRecordAttributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes
      ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
