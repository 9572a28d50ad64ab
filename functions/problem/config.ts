import { PriorityMatrixSetting, readConfig } from '../../shared/config';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { wholeNumber } from '../../shared/validation';
import * as z from '../../shared/zod';
import { DEFAULT_DETECTION_POLICY } from './domain';

/** The problem area's configuration, read once at cold start; invalid values fail fast. */
export const config = readConfig(
  z.object({
    [TABLE_NAME_ENV]: z.string().check(z.minLength(1)),
    PRIORITY_MATRIX: PriorityMatrixSetting,
    DETECTION_THRESHOLD: z._default(
      z.coerce.number().check(wholeNumber, z.minimum(2)),
      DEFAULT_DETECTION_POLICY.threshold,
    ),
    DETECTION_WINDOW_HOURS: z._default(
      z.coerce.number().check(z.positive()),
      DEFAULT_DETECTION_POLICY.windowHours,
    ),
    DETECTION_MAX_DEPTH: z._default(
      z.coerce.number().check(wholeNumber, z.minimum(0), z.maximum(10)),
      DEFAULT_DETECTION_POLICY.maxDepth,
    ),
  }),
);

export const detectionPolicy = {
  threshold: config.DETECTION_THRESHOLD,
  windowHours: config.DETECTION_WINDOW_HOURS,
  maxDepth: config.DETECTION_MAX_DEPTH,
};
