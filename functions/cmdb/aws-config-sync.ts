import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { SYSTEM_PRINCIPAL } from '../../shared/auth';
import { logger, metrics } from '../../shared/observability/powertools';
import { syncInventory } from './aws-config-inventory';
import { importedResourceTypes } from './aws-config-settings';
import { importAwsConfigItem } from './use-cases';

const resourceTypes = importedResourceTypes();
const client = new ConfigServiceClient({});

/** Stop starting imports this long before the timeout: one import takes a few round trips. */
const SAFETY_MARGIN_MS = 30_000;

/**
 * Run on a schedule: imports the current state of every resource of the configured types
 * that AWS Config records, so that the CMDB also holds what existed before the change rule
 * did, and catches up on changes whose events were lost (EventBridge delivers AWS service
 * events on a best-effort basis).
 */
export const handler = middy(async (_event: unknown, context: Context) => {
  const summary = await syncInventory({
    client,
    resourceTypes,
    importItem: async (document) => {
      const result = await importAwsConfigItem(document, {
        principal: SYSTEM_PRINCIPAL,
        now: new Date().toISOString(),
        correlationId: context.awsRequestId,
      });
      return result.outcome;
    },
    hasTimeLeft: () => context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS,
    onFailure: (error, document) => {
      const { resourceType, resourceId } = (document ?? {}) as Record<string, unknown>;
      logger.warn('AWS Config item not imported', {
        error: error as Error,
        resourceType,
        resourceId,
      });
    },
  });
  metrics.addMetric('AwsConfigItemsCreated', MetricUnit.Count, summary.created);
  metrics.addMetric('AwsConfigItemsUpdated', MetricUnit.Count, summary.updated);
  metrics.addMetric('AwsConfigItemsFailed', MetricUnit.Count, summary.failed);
  logger.info('AWS Config inventory synchronised', summary);
  return summary;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
