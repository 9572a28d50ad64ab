import * as z from 'zod';
import { DEFAULT_PRIORITY_MATRIX, parsePriorityMatrix } from './domain/priority';

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * Reads configuration from the environment once, validated by `schema`, and fails fast with
 * every missing or malformed variable named. Call it at module scope so a misconfigured
 * function fails at cold start instead of on the first request that needs the value.
 */
export function readConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ConfigurationError(`Invalid configuration: ${problems}`);
  }
  return result.data;
}

/**
 * The PRIORITY_MATRIX variable (JSON rows of impact, columns of urgency), shared by every area
 * that derives priorities; absent or blank means the default matrix.
 */
export const PriorityMatrixSetting = z
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
  });
