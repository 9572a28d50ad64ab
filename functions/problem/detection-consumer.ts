import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { IncidentCreated } from '../../shared/events/incidents';
import { logger } from '../../shared/observability/powertools';
import * as z from '../../shared/zod';
import { detectForIncident } from './detection-use-cases';
import { ObservedIncidentSchema } from './domain';
import { DETECTION_EVENTS } from './subscriptions';

/** What the rule delivers: the EventBridge event around any of the contracts' details. */
const IncidentEventEnvelope = z.object({
  'detail-type': z.enum(DETECTION_EVENTS.map((contract) => contract.detailType)),
  detail: z.object({
    metadata: IncidentCreated.detail.shape.metadata,
    data: z.object({ incident: ObservedIncidentSchema }),
  }),
});

const processor = new BatchProcessor(EventType.SQS);

/**
 * Runs problem detection for each incident event. A failing record is reported alone and
 * retried by SQS, then dead-lettered; the rest of the batch is unaffected.
 */
async function detectRecord(record: SQSRecord): Promise<void> {
  const event = IncidentEventEnvelope.parse(JSON.parse(record.body));
  const { incident } = event.detail.data;
  const result = await detectForIncident(incident, new Date().toISOString());
  logger.info('problem detection', {
    eventId: event.detail.metadata.eventId,
    incident: incident.id,
    decision: result.kind,
    ...(result.kind === 'none' ? { reason: result.reason } : { problem: result.problemId }),
  });
}

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, detectRecord, processor, { context }),
).use(injectLambdaContext(logger));
