import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { SYSTEM_PRINCIPAL } from '../../shared/auth';
import { ConfigurationItemChange } from '../../shared/events/aws-config';
import { logger } from '../../shared/observability/powertools';
import * as z from '../../shared/zod';
import {
  configurationItemOfChange,
  type ObjectReader,
  resourceTypeOfChange,
} from './aws-config-notifications';
import { importedResourceTypes } from './aws-config-settings';
import { importAwsConfigItem } from './use-cases';

/** What the rule delivers to the queue: the EventBridge event around AWS Config's detail. */
const ChangeEventSchema = z.object({ id: z.string(), detail: ConfigurationItemChange.detail });

const resourceTypes = new Set(importedResourceTypes());
const s3 = new S3Client({});
const processor = new BatchProcessor(EventType.SQS);

const readObject: ObjectReader = async ({ bucket, key }) => {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToByteArray()) ?? new Uint8Array();
};

/**
 * Imports the configuration item of one AWS Config change as the system, with the same use
 * case as `POST /cis/import`: a redelivered or replayed change writes nothing. Changes of
 * other resource types are acknowledged and skipped. A failing record (an invalid item, an
 * unreadable S3 object) is reported alone, retried by SQS and then dead-lettered.
 */
async function importChange(record: SQSRecord): Promise<void> {
  const event = ChangeEventSchema.parse(JSON.parse(record.body));
  const resourceType = resourceTypeOfChange(event.detail);
  if (!resourceTypes.has(resourceType)) {
    logger.debug('change of a resource type that is not imported', { resourceType });
    return;
  }
  const document = await configurationItemOfChange(event.detail, readObject);
  const result = await importAwsConfigItem(document, {
    principal: SYSTEM_PRINCIPAL,
    now: new Date().toISOString(),
    correlationId: event.id,
  });
  logger.info('AWS Config change imported', { eventId: event.id, resourceType, ...result });
}

export const handler = middy((event: SQSEvent, context: Context) =>
  processPartialResponse(event, importChange, processor, { context }),
).use(injectLambdaContext(logger));
