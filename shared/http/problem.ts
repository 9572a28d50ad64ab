import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpError } from '../errors';

/** Problem types are documented under this URI (RFC 9457 `type`). */
export const PROBLEM_TYPE_BASE = 'https://itsm.dev/problems/';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

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
