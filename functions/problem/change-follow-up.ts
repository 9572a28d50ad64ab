import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { ChangeStateChanged } from '../../shared/events/changes';
import { logger } from '../../shared/observability/powertools';
import * as z from '../../shared/zod';
import { followChange } from './change-follow-up-use-cases';

/** What the rule delivers to the queue: the EventBridge event around the catalog's detail. */
const ChangeStateChangedEnvelope = z.object({ detail: ChangeStateChanged.detail });

const processor = new BatchProcessor(EventType.SQS);

/**
 * Consumes ChangeStateChanged of changes that ended (the rule matches Closed and Canceled) and
 * applies them to the problems they are linked to. A failing record is reported alone and
 * retried by SQS, then dead-lettered; the rest of the batch is unaffected.
 */
async function followRecord(record: SQSRecord): Promise<void> {
  const { detail } = ChangeStateChangedEnvelope.parse(JSON.parse(record.body));
  const results = await followChange(detail.data, new Date().toISOString());
  logger.info('change followed', { change: detail.data.change.number, results });
}

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, followRecord, processor, { context }),
).use(injectLambdaContext(logger));
