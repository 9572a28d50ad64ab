import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { type FieldIssue, HttpError, ValidationError } from '../errors';

/** Problem types are documented under this URI (RFC 9457 `type`). */
export const PROBLEM_TYPE_BASE = 'https://itsm.dev/problems/';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function issuesFromZod(error: z.ZodError, pathPrefix?: string): FieldIssue[] {
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

export function validationErrorFrom(error: z.ZodError, pathPrefix?: string): ValidationError {
  return new ValidationError(issuesFromZod(error, pathPrefix));
}

/**
 * The one mapper from errors to HTTP responses. Known errors keep their status and say what
 * was wrong; anything else is a 500 that reveals nothing internal.
 */
export function problemResponse(
  error: unknown,
  instance?: string,
): APIGatewayProxyStructuredResultV2 & { statusCode: number } {
  const known = error instanceof HttpError;
  const status = known ? error.status : 500;
  const body = known
    ? {
        type: `${PROBLEM_TYPE_BASE}${error.type}`,
        title: error.title,
        status,
        detail: error.message,
        ...(instance ? { instance } : {}),
        ...error.extensions(),
      }
    : {
        type: `${PROBLEM_TYPE_BASE}internal-error`,
        title: 'Internal error',
        status,
        detail: 'An unexpected error occurred. It has been logged.',
        ...(instance ? { instance } : {}),
      };
  return {
    statusCode: status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(body),
  };
}
