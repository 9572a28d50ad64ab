import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Logger and metrics, built once per execution environment. Service name and metrics
 * namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE set by the
 * function construct.
 */
export const logger = new Logger();
export const metrics = new Metrics();
