import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  PayloadTooLargeError,
  PreconditionFailedError,
  PreconditionRequiredError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors';
import { validationErrorFrom } from '../validation';
import type { z } from '../zod';

/** Request bodies are small JSON documents; anything larger is refused before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}

function rawBody(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Parses and validates a JSON body; unknown fields are rejected by the (strict) schema. */
export function parseJsonBody<S extends z.ZodMiniType>(
  event: APIGatewayProxyEventV2,
  schema: S,
): z.output<S> {
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new UnsupportedMediaTypeError(
      `Expected content-type application/json, got '${contentType || 'none'}'.`,
    );
  }
  const text = rawBody(event);
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The body must be at most ${MAX_BODY_BYTES} bytes.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError([{ field: '(body)', message: 'expected a JSON document' }]);
  }
  const result = schema.safeParse(json);
  if (!result.success) throw validationErrorFrom(result.error);
  return result.data;
}

export function parseQuery<S extends z.ZodMiniType>(
  event: APIGatewayProxyEventV2,
  schema: S,
): z.output<S> {
  const result = schema.safeParse(event.queryStringParameters ?? {});
  if (!result.success) throw validationErrorFrom(result.error, 'query');
  return result.data;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The Idempotency-Key header of a create, if sent; it must be 1 to 255 characters. */
export function idempotencyKey(event: APIGatewayProxyEventV2): string | undefined {
  const key = header(event, 'idempotency-key');
  if (key !== undefined && (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw new ValidationError([
      {
        field: 'Idempotency-Key',
        message: `expected 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      },
    ]);
  }
  return key;
}

/** Strong ETag of a versioned resource. */
export function etagFor(id: string, version: number): string {
  return `"${id}.${version}"`;
}

/**
 * Reads If-Match as the version the client last saw. Required on updates so that a client
 * cannot overwrite a change it has not seen (428 without it, 412 when stale).
 */
export function requireIfMatch(
  event: APIGatewayProxyEventV2,
  id: string,
  currentVersion: number,
): number {
  const value = header(event, 'if-match');
  if (!value)
    throw new PreconditionRequiredError('Send If-Match with the ETag from your last read.');
  const tags = value.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
  if (tags.includes('*')) return currentVersion;
  const expected = etagFor(id, currentVersion);
  if (!tags.includes(expected)) {
    throw new PreconditionFailedError(
      `The resource has changed since that ETag was issued; the current ETag is ${expected}.`,
      currentVersion,
    );
  }
  return currentVersion;
}
