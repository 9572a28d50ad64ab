import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { ProblemStateChanged, ProblemWorkaroundCommunicated } from '../../shared/events/problems';
import { logger } from '../../shared/observability/powertools';
import * as z from '../../shared/zod';
import {
  addProblemWorkNotes,
  followProblemTransition,
  type IncidentFollowUpResult,
} from './use-cases';

/** What the rule delivers to the queue: the EventBridge event; its detail-type picks the contract. */
const ProblemEventEnvelope = z.object({ 'detail-type': z.string(), detail: z.unknown() });

/** The rule delivers only the followed events; anything else is a wiring mistake. */
export class UnexpectedProblemEventError extends Error {
  override readonly name = 'UnexpectedProblemEventError';
}

/** Applies one event's detail; answers which problem it was about and what it did. */
type Follower = (
  detail: unknown,
  now: string,
) => Promise<{ problem: string; results: IncidentFollowUpResult[] }>;

const FOLLOWERS = new Map<string, Follower>([
  [
    ProblemStateChanged.detailType,
    async (detail, now) => {
      const { data } = ProblemStateChanged.detail.parse(detail);
      return { problem: data.problem.number, results: await followProblemTransition(data, now) };
    },
  ],
  [
    ProblemWorkaroundCommunicated.detailType,
    async (detail, now) => {
      const { data } = ProblemWorkaroundCommunicated.detail.parse(detail);
      return { problem: data.problem.number, results: await addProblemWorkNotes(data, now) };
    },
  ],
]);

const processor = new BatchProcessor(EventType.SQS);

/**
 * Consumes the problem events that concern linked incidents (state changes, communicated
 * workarounds) and applies them to the incidents as the system. A failing record is reported
 * alone and retried by SQS, then dead-lettered; the rest of the batch is unaffected.
 */
async function followRecord(record: SQSRecord): Promise<void> {
  const event = ProblemEventEnvelope.parse(JSON.parse(record.body));
  const detailType = event['detail-type'];
  const follow = FOLLOWERS.get(detailType);
  if (!follow) throw new UnexpectedProblemEventError(`Not a followed problem event: ${detailType}`);
  const { problem, results } = await follow(event.detail, new Date().toISOString());
  const outcomes: Record<string, number> = {};
  for (const { incidentId, outcome } of results) {
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (outcome === 'missing') logger.warn('linked incident not found', { problem, incidentId });
  }
  logger.info('problem followed', { problem, detailType, outcomes });
}

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, followRecord, processor, { context }),
).use(injectLambdaContext(logger));
