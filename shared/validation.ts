import { type FieldIssue, ValidationError } from './errors';
import * as z from './zod';

/** Turns zod issues into field issues: the field's dotted path and what was expected. */
export function issuesFromZod(error: z.core.$ZodError, pathPrefix?: string): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [pathPrefix, ...issue.path.map(String)].filter(Boolean);
    if (issue.code === 'unrecognized_keys') {
      // One issue per field, so that a client can point at each.
      return issue.keys.map((key) => ({
        field: [...path, key].join('.'),
        message: 'unknown or read-only field: not accepted here',
      }));
    }
    return [{ field: path.join('.') || '(body)', message: issue.message }];
  });
}

export function validationErrorFrom(error: z.core.$ZodError, pathPrefix?: string): ValidationError {
  return new ValidationError(issuesFromZod(error, pathPrefix));
}

/**
 * The integer check for coerced numbers (query parameters, environment variables): zod mini
 * has `z.int()` as a schema of its own but no check to add to `z.coerce.number()`.
 */
export const wholeNumber = z.multipleOf(1, 'Invalid input: expected an integer');
