import * as z from 'zod';
import { PriorityMatrixSetting, readConfig } from '../../shared/config';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { DEFAULT_DETECTION_POLICY } from './domain';

/** The problem area's configuration, read once at cold start; invalid values fail fast. */
export const config = readConfig(
  z.object({
    [TABLE_NAME_ENV]: z.string().min(1),
    PRIORITY_MATRIX: PriorityMatrixSetting,
    DETECTION_THRESHOLD: z.coerce.number().int().min(2).default(DEFAULT_DETECTION_POLICY.threshold),
    DETECTION_WINDOW_HOURS: z.coerce
      .number()
      .positive()
      .default(DEFAULT_DETECTION_POLICY.windowHours),
    DETECTION_MAX_DEPTH: z.coerce
      .number()
      .int()
      .min(0)
      .max(10)
      .default(DEFAULT_DETECTION_POLICY.maxDepth),
  }),
);

export const detectionPolicy = {
  threshold: config.DETECTION_THRESHOLD,
  windowHours: config.DETECTION_WINDOW_HOURS,
  maxDepth: config.DETECTION_MAX_DEPTH,
};
