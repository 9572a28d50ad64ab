import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { IncidentStateChanged } from '../../shared/events/incidents';
import { logger } from '../../shared/observability/powertools';
import * as z from '../../shared/zod';
import { IncidentActions } from './domain';
import { principalOf, syncChildren } from './use-cases';

/** What the rule delivers to the queue: the EventBridge event around the catalog's detail. */
const StateChangedEnvelope = z.object({ detail: IncidentStateChanged.detail });

const processor = new BatchProcessor(EventType.SQS);

/**
 * Consumes IncidentStateChanged events of parents (the rule matches childCount > 0) and
 * applies the parent/child rules to the children. A failing record is reported alone and
 * retried by SQS, then dead-lettered; the rest of the batch is unaffected.
 */
async function syncRecord(record: SQSRecord): Promise<void> {
  const { detail } = StateChangedEnvelope.parse(JSON.parse(record.body));
  const { incident, from, to } = detail.data;
  const action = z.enum(IncidentActions).parse(detail.data.action);
  const result = await syncChildren(
    { parent: incident, action, from, to, actor: principalOf(detail.metadata.actor) },
    new Date().toISOString(),
  );
  logger.info('children synchronised', { parent: incident.number, action, ...result });
}

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, syncRecord, processor, { context }),
).use(injectLambdaContext(logger));
