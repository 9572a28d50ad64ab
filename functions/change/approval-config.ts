import { readConfig } from '../../shared/config';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import * as z from '../../shared/zod';

/** The approval functions' configuration, read once at cold start; invalid values fail fast. */
export const approvalConfig = readConfig(
  z.object({ [TABLE_NAME_ENV]: z.string().check(z.minLength(1)) }),
);
