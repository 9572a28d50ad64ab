import { PriorityMatrixSetting, readConfig } from '../../shared/config';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import * as z from '../../shared/zod';

/** The incident area's configuration, read once at cold start; invalid values fail fast. */
export const config = readConfig(
  z.object({
    [TABLE_NAME_ENV]: z.string().check(z.minLength(1)),
    PRIORITY_MATRIX: PriorityMatrixSetting,
    AUTO_CLOSE_AFTER_HOURS: z._default(z.coerce.number().check(z.positive()), 168),
  }),
);
