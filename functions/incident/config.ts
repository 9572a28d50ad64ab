import * as z from 'zod';
import { PriorityMatrixSetting, readConfig } from '../../shared/config';
import { TABLE_NAME_ENV } from '../../shared/db/table';

/** The incident area's configuration, read once at cold start; invalid values fail fast. */
export const config = readConfig(
  z.object({
    [TABLE_NAME_ENV]: z.string().min(1),
    PRIORITY_MATRIX: PriorityMatrixSetting,
    AUTO_CLOSE_AFTER_HOURS: z.coerce.number().positive().default(168),
  }),
);
