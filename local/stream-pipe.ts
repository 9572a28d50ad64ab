import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type AttributeValue as SdkAttributeValue,
  type _Record as SdkStreamRecord,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { LOCAL_AWS } from './dynamodb';
import { readJsonPath, renderInputTemplate } from './event-bus';
import { compileEventPattern } from './event-pattern';

/**
 * Emulates an EventBridge pipe from a DynamoDB stream to an event bus, reading DynamoDB
 * Local's stream: filter criteria, a batch enrichment, the EventBridge target parameters
 * (detail type, source, input template), at-least-once delivery in order per shard.
 *
 * Starting position: a shard with a checkpoint resumes after its last delivered record. On the
 * first start (no checkpoint file, or one for another stream) the pipe starts at LATEST like
 * a newly deployed pipe, so records written before that are not delivered; shards that appear
 * later (and shards without a checkpoint on a restart) are read from TRIM_HORIZON so that
 * nothing written while the pipe was down is missed.
 */

export interface PipeEvent {
  source: string;
  detailType: string;
  detail: unknown;
}

export interface StreamPipeOptions {
  endpoint: string;
  tableName: string;
  /** Pipe filter criteria patterns; a record passes if it matches any (all pass if none). */
  filters: object[];
  /** The enrichment: one call per batch, returns the payloads to send on (one event each). */
  enrich?: (records: DynamoDBRecord[]) => Promise<unknown>;
  /** Target `InputTemplate`, e.g. `<$.detail>`; without it the payload itself is the detail. */
  inputTemplate?: string;
  /** `EventBridgeEventBusParameters.DetailType`: a JSON path like `$.detailType`, or a literal. */
  detailTypePath?: string;
  /** `EventBridgeEventBusParameters.Source`: a JSON path like `$.source`, or a literal. */
  sourcePath?: string;
  putEvents: (events: PipeEvent[]) => Promise<unknown>;
  /** Where the last delivered sequence number per shard is kept between runs. */
  checkpointFile?: string;
  pollIntervalMs?: number;
  batchSize?: number;
  /** Starting position on the first start; LATEST as for a new pipe. */
  startingPosition?: 'LATEST' | 'TRIM_HORIZON';
  /** Attempts per batch before it is dropped with an error log; unlimited by default, as in AWS. */
  maximumRetryAttempts?: number;
  pipeName?: string;
  region?: string;
  logger?: Pick<Console, 'warn' | 'error'>;
}

export interface StreamPipe {
  stop(): Promise<void>;
  /** Resolves once every record written before the call has been delivered (or dropped). */
  drain(options?: { timeoutMs?: number }): Promise<void>;
}

export class StreamNotEnabledError extends Error {
  override name = 'StreamNotEnabledError';
}

/** drain() gave up: the pipe did not catch up in time, or it was stopped. */
export class PipeDrainError extends Error {
  override name = 'PipeDrainError';
}

interface ShardState {
  shardId: string;
  parentShardId?: string;
  startType: ShardIteratorType;
  iterator?: string;
  lastSequenceNumber?: string;
  closed: boolean;
}

interface Checkpoint {
  streamArn: string;
  shards: Record<string, { sequenceNumber?: string; closed?: boolean }>;
}

const SHARD_REFRESH_INTERVAL_MS = 10_000;
const MAX_RETRY_DELAY_MS = 5_000;

export async function startStreamPipe(options: StreamPipeOptions): Promise<StreamPipe> {
  const region = options.region ?? LOCAL_AWS.region;
  const logger = options.logger ?? console;
  const label = `[stream-pipe ${options.pipeName ?? options.tableName}]`;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const batchSize = options.batchSize ?? 10;
  const maximumRetryAttempts = options.maximumRetryAttempts ?? Number.POSITIVE_INFINITY;
  const filters = options.filters.map((filter) => compileEventPattern(filter));
  const defaultSource = `Pipe ${options.pipeName ?? 'local'}`;

  const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: options.endpoint });
  const streams = new DynamoDBStreamsClient({ ...LOCAL_AWS, endpoint: options.endpoint });
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }));
  dynamodb.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn || !Table?.StreamSpecification?.StreamEnabled) {
    throw new StreamNotEnabledError(`Table ${options.tableName} has no stream enabled`);
  }

  const saved = options.checkpointFile ? await loadCheckpoint(options.checkpointFile) : undefined;
  const checkpoint = saved?.streamArn === streamArn ? saved : undefined;
  const shards = new Map<string, ShardState>();
  let lastRefresh = 0;

  const saveCheckpoint = async () => {
    if (!options.checkpointFile) return;
    const state: Checkpoint = { streamArn, shards: {} };
    for (const shard of shards.values()) {
      state.shards[shard.shardId] = {
        ...(shard.lastSequenceNumber ? { sequenceNumber: shard.lastSequenceNumber } : {}),
        ...(shard.closed ? { closed: true } : {}),
      };
    }
    await mkdir(dirname(options.checkpointFile), { recursive: true });
    const temporary = `${options.checkpointFile}.tmp`;
    await writeFile(temporary, JSON.stringify(state, null, 2));
    await rename(temporary, options.checkpointFile);
  };

  const listShards = async (): Promise<Shard[]> => {
    const all: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({
          StreamArn: streamArn,
          ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
        }),
      );
      all.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return all;
  };

  const refreshShards = async (initial: boolean) => {
    for (const shard of await listShards()) {
      const shardId = shard.ShardId as string;
      if (shards.has(shardId)) continue;
      const saved = checkpoint?.shards[shardId];
      const startType: ShardIteratorType = saved?.sequenceNumber
        ? 'AFTER_SEQUENCE_NUMBER'
        : initial && !checkpoint
          ? (options.startingPosition ?? 'LATEST')
          : 'TRIM_HORIZON';
      shards.set(shardId, {
        shardId,
        ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
        startType,
        ...(saved?.sequenceNumber ? { lastSequenceNumber: saved.sequenceNumber } : {}),
        closed: saved?.closed ?? false,
      });
    }
    lastRefresh = Date.now();
  };

  const acquireIterator = async (shard: ShardState) => {
    const type: ShardIteratorType = shard.lastSequenceNumber
      ? 'AFTER_SEQUENCE_NUMBER'
      : shard.startType;
    try {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.shardId,
          ShardIteratorType: type,
          ...(type === 'AFTER_SEQUENCE_NUMBER' ? { SequenceNumber: shard.lastSequenceNumber } : {}),
        }),
      );
      shard.iterator = ShardIterator;
    } catch (error) {
      if (type !== 'AFTER_SEQUENCE_NUMBER') throw error;
      // The checkpointed record is gone (trimmed, or the stream was reset): read what is left.
      logger.warn(
        `${label} cannot resume ${shard.shardId} after its checkpoint, reading from TRIM_HORIZON: ${String(error)}`,
      );
      delete shard.lastSequenceNumber;
      shard.startType = 'TRIM_HORIZON';
      await acquireIterator(shard);
    }
  };

  const isReady = (shard: ShardState) => {
    if (shard.closed) return false;
    const parent = shard.parentShardId ? shards.get(shard.parentShardId) : undefined;
    return !parent || parent.closed;
  };

  const toEvent = (payload: unknown): PipeEvent => {
    const detailType =
      targetParameter(payload, options.detailTypePath) ?? 'Event from aws:dynamodb';
    const source = targetParameter(payload, options.sourcePath) ?? defaultSource;
    if (options.inputTemplate === undefined) return { source, detailType, detail: payload };
    const rendered = renderInputTemplate(options.inputTemplate, (name) =>
      name.startsWith('$') ? { value: readJsonPath(payload, name) } : undefined,
    );
    return { source, detailType, detail: parseIfJson(rendered) };
  };

  /** Filters, enriches and delivers one batch; throws to have it retried. */
  const deliver = async (records: DynamoDBRecord[]) => {
    const selected =
      filters.length === 0 ? records : records.filter((record) => filters.some((f) => f(record)));
    if (selected.length === 0) return;
    const enriched = options.enrich ? await options.enrich(selected) : selected;
    const payloads = Array.isArray(enriched) ? enriched : [enriched];
    if (payloads.length === 0) return;
    await options.putEvents(payloads.map(toEvent));
  };

  let stopped = false;
  let lastError: unknown;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  /** Reads one batch from `shard`; returns whether it held any records. */
  const pollShard = async (shard: ShardState): Promise<boolean> => {
    if (!shard.iterator) await acquireIterator(shard);
    let response: GetRecordsCommandOutput;
    try {
      response = await streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: batchSize }),
      );
    } catch (error) {
      if (!(error instanceof ExpiredIteratorException)) throw error;
      delete shard.iterator;
      return true;
    }
    const records = (response.Records ?? []).map((record) =>
      toLambdaRecord(record, streamArn, region),
    );
    if (records.length > 0) {
      for (let attempt = 1; ; attempt++) {
        try {
          await deliver(records);
          break;
        } catch (error) {
          if (stopped) return false;
          lastError = error;
          if (attempt >= maximumRetryAttempts) {
            logger.error(
              `${label} dropping ${records.length} record(s) after ${attempt} attempts: ${String(error)}`,
            );
            break;
          }
          logger.error(`${label} delivery failed (attempt ${attempt}), retrying: ${String(error)}`);
          await sleep(Math.min(MAX_RETRY_DELAY_MS, 100 * 2 ** attempt));
          if (stopped) return false;
        }
      }
      shard.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber;
    }
    shard.iterator = response.NextShardIterator;
    if (!shard.iterator) shard.closed = true;
    if (records.length > 0 || shard.closed) await saveCheckpoint();
    return records.length > 0 || shard.closed;
  };

  // drain() waits for a full pass, started after the call, in which no shard had anything new.
  let pass = 0;
  const drainWaiters: { afterPass: number; settle: (error?: Error) => void }[] = [];

  const run = async () => {
    while (!stopped) {
      pass++;
      const currentPass = pass;
      let busy = false;
      try {
        if (drainWaiters.length > 0 || Date.now() - lastRefresh > SHARD_REFRESH_INTERVAL_MS) {
          const known = shards.size;
          await refreshShards(false);
          busy = shards.size !== known;
        }
        for (const shard of [...shards.values()].filter(isReady)) {
          if (stopped) return;
          if (await pollShard(shard)) busy = true;
        }
        lastError = undefined;
      } catch (error) {
        if (stopped) return;
        lastError = error;
        busy = true;
        logger.error(`${label} ${String(error)}`);
        await sleep(1_000);
        continue;
      }
      if (!busy) {
        for (const waiter of drainWaiters.filter((w) => w.afterPass < currentPass)) {
          waiter.settle();
        }
      }
      if (!busy && drainWaiters.length === 0) await sleep(pollIntervalMs);
    }
  };

  await refreshShards(true);
  // A LATEST position must be taken now: records written after start() returns are expected.
  for (const shard of shards.values()) {
    if (!shard.closed && shard.startType === 'LATEST') await acquireIterator(shard);
  }
  await saveCheckpoint();
  const running = run();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await running;
      streams.destroy();
      for (const waiter of [...drainWaiters]) {
        waiter.settle(new PipeDrainError(`${label} stopped before it was drained`));
      }
    },
    drain({ timeoutMs = 30_000 } = {}) {
      if (stopped) return Promise.reject(new PipeDrainError(`${label} is stopped`));
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          afterPass: pass,
          settle: (error?: Error) => {
            clearTimeout(timer);
            drainWaiters.splice(drainWaiters.indexOf(waiter), 1);
            if (error) reject(error);
            else resolve();
          },
        };
        const timer = setTimeout(() => {
          const cause = lastError ? `: ${String(lastError)}` : '';
          waiter.settle(new PipeDrainError(`${label} not drained after ${timeoutMs} ms${cause}`));
        }, timeoutMs);
        drainWaiters.push(waiter);
        wake?.();
      });
    },
  };
}

async function loadCheckpoint(file: string): Promise<Checkpoint | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Checkpoint;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A JSON path (`$.detailType`) is read from the payload; anything else is a literal value. */
function targetParameter(payload: unknown, parameter: string | undefined): string | undefined {
  if (parameter === undefined) return undefined;
  if (!parameter.startsWith('$')) return parameter;
  const value = readJsonPath(payload, parameter);
  return value === undefined || value === null ? undefined : String(value);
}

function parseIfJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The record shape Lambda and Pipes receive from a DynamoDB stream. */
export function toLambdaRecord(
  record: SdkStreamRecord,
  streamArn: string,
  region: string,
): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...(stream.ApproximateCreationDateTime
        ? {
            ApproximateCreationDateTime: Math.floor(
              stream.ApproximateCreationDateTime.getTime() / 1000,
            ),
          }
        : {}),
      ...(stream.Keys ? { Keys: toJsonImage(stream.Keys) } : {}),
      ...(stream.NewImage ? { NewImage: toJsonImage(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: toJsonImage(stream.OldImage) } : {}),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
    eventSourceARN: streamArn,
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
  };
}

function toJsonImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, toJsonAttributeValue(value)]),
  );
}

/** JSON form of an attribute value: binary values become base64, as in Lambda events. */
function toJsonAttributeValue(value: SdkAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) {
    return { BS: value.BS.map((binary) => Buffer.from(binary).toString('base64')) };
  }
  if (value.L !== undefined) return { L: value.L.map(toJsonAttributeValue) };
  if (value.M !== undefined) return { M: toJsonImage(value.M) };
  return value as AttributeValue;
}
