import * as z from 'zod';
import { readConfig } from '../../shared/config';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { DEFAULT_PRIORITY_MATRIX, parsePriorityMatrix } from './domain';

/** The incident area's configuration, read once at cold start; invalid values fail fast. */
export const config = readConfig(
  z.object({
    [TABLE_NAME_ENV]: z.string().min(1),
    PRIORITY_MATRIX: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined || text.trim() === '') return DEFAULT_PRIORITY_MATRIX;
        try {
          return parsePriorityMatrix(text);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    AUTO_CLOSE_AFTER_HOURS: z.coerce.number().positive().default(168),
  }),
);
