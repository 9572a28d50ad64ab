import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { logger, metrics } from '../../shared/observability/powertools';
import { autoCloseResolved } from './use-cases';

/** Run on a schedule: closes incidents resolved longer ago than AUTO_CLOSE_AFTER_HOURS. */
export const handler = middy(async () => {
  const result = await autoCloseResolved(new Date().toISOString());
  metrics.addMetric('IncidentsAutoClosed', MetricUnit.Count, result.closed);
  logger.info('auto-close finished', result);
  return result;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
