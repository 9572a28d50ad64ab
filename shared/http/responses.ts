import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from '../zod';
import { encodeCursor } from './cursor';
import { etagFor } from './request';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number };

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** A 204: the request did what it asked, there is nothing to return. */
export function noContent(): HttpResponse {
  return { statusCode: 204, headers: {} };
}

/**
 * A versioned resource, through its schema (fields in a stable order, nothing internal
 * leaks), with the ETag that If-Match expects back.
 */
export function versioned(
  status: number,
  schema: z.ZodMiniType,
  resource: { id: string; version: number },
  headers: Record<string, string> = {},
): HttpResponse {
  return json(status, schema.parse(resource), {
    etag: etagFor(resource.id, resource.version),
    ...headers,
  });
}

/** Headers of a 201: where the resource lives, and whether an Idempotency-Key replayed it. */
export function createdHeaders(location: string, replayed: boolean): Record<string, string> {
  return { location, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) };
}

/** One page of a list, its next cursor bound to the query that produced it. */
export function cursorPage(
  schema: z.ZodMiniType,
  page: { items: unknown[]; cursor: string | null },
  query: Record<string, unknown>,
): HttpResponse {
  return json(
    200,
    schema.parse({ items: page.items, nextCursor: encodeCursor(page.cursor, query) }),
  );
}
