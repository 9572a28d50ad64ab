import { DEFAULT_PRIORITY_MATRIX, parsePriorityMatrix } from './domain/priority';
import * as z from './zod';

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/**
 * Reads configuration from the environment once, validated by `schema`, and fails fast with
 * every missing or malformed variable named. Call it at module scope so a misconfigured
 * function fails at cold start instead of on the first request that needs the value.
 */
export function readConfig<S extends z.ZodMiniType>(
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
export const PriorityMatrixSetting = z.pipe(
  z.optional(z.string()),
  z.transform((text, ctx) => {
    if (text === undefined || text.trim() === '') return DEFAULT_PRIORITY_MATRIX;
    try {
      return parsePriorityMatrix(text);
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: (error as Error).message, input: text });
      return z.NEVER;
    }
  }),
);

/**
 * A variable holding JSON: parsed, then validated by `schema`. Absent or blank is undefined,
 * so that `schema` decides whether that is an error or its default.
 */
export function jsonVariable<S extends z.ZodMiniType>(schema: S, expected = 'expected JSON') {
  return z.pipe(
    z.pipe(
      z.optional(z.string()),
      z.transform((text, ctx) => {
        if (text === undefined || text.trim() === '') return undefined;
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.issues.push({ code: 'custom', message: expected, input: text });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );
}
