import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  InvalidTransitionError,
  PayloadTooLargeError,
  PreconditionFailedError,
  PreconditionRequiredError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../../shared/errors';
import { asCursorRefusal, decodeCursor, encodeCursor } from '../../../shared/http/cursor';
import { problemResponse } from '../../../shared/http/problem';
import {
  etagFor,
  MAX_BODY_BYTES,
  parseJsonBody,
  parseQuery,
  requireIfMatch,
} from '../../../shared/http/request';
import * as z from '../../../shared/zod';

const event = (overrides: Partial<APIGatewayProxyEventV2>): APIGatewayProxyEventV2 =>
  ({ headers: { 'content-type': 'application/json' }, ...overrides }) as APIGatewayProxyEventV2;

const Body = z.strictObject({ name: z.string().check(z.minLength(1)), size: z.optional(z.int()) });

describe('parseJsonBody', () => {
  it('parses a valid body, also base64-encoded', () => {
    expect(parseJsonBody(event({ body: '{"name":"a","size":2}' }), Body)).toEqual({
      name: 'a',
      size: 2,
    });
    const encoded = Buffer.from('{"name":"b"}').toString('base64');
    expect(parseJsonBody(event({ body: encoded, isBase64Encoded: true }), Body)).toEqual({
      name: 'b',
    });
  });

  it('names each unknown field and each invalid one', () => {
    try {
      parseJsonBody(event({ body: '{"name":"","size":1.5,"colour":"red","shape":"x"}' }), Body);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.field).sort()).toEqual([
        'colour',
        'name',
        'shape',
        'size',
      ]);
    }
  });

  it('refuses non-JSON content types, unparsable and oversized bodies', () => {
    expect(() =>
      parseJsonBody(event({ headers: { 'content-type': 'text/plain' }, body: '{}' }), Body),
    ).toThrow(UnsupportedMediaTypeError);
    expect(() => parseJsonBody(event({ body: '{name:' }), Body)).toThrow(ValidationError);
    expect(() =>
      parseJsonBody(event({ body: `{"name":"${'x'.repeat(MAX_BODY_BYTES)}"}` }), Body),
    ).toThrow(PayloadTooLargeError);
  });

  it('accepts JSON media types with parameters and suffixes', () => {
    const withCharset = event({
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"name":"a"}',
    });
    expect(parseJsonBody(withCharset, Body)).toEqual({ name: 'a' });
    const merge = event({
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"name":"a"}',
    });
    expect(parseJsonBody(merge, Body)).toEqual({ name: 'a' });
  });
});

describe('parseQuery', () => {
  it('prefixes query fields in errors', () => {
    const Query = z.strictObject({ limit: z.coerce.number().check(z.maximum(10)) });
    expect(() => parseQuery(event({ queryStringParameters: { limit: '11' } }), Query)).toThrow(
      /query\.limit/,
    );
  });
});

describe('If-Match', () => {
  const withIfMatch = (value?: string) => event({ headers: value ? { 'if-match': value } : {} });

  it('accepts the current ETag, weak or in a list, and *', () => {
    expect(requireIfMatch(withIfMatch(etagFor('a', 3)), 'a', 3)).toBe(3);
    expect(requireIfMatch(withIfMatch(`W/${etagFor('a', 3)}`), 'a', 3)).toBe(3);
    expect(requireIfMatch(withIfMatch(`"x.1", ${etagFor('a', 3)}`), 'a', 3)).toBe(3);
    expect(requireIfMatch(withIfMatch('*'), 'a', 3)).toBe(3);
  });

  it('is required (428) and must be current (412)', () => {
    expect(() => requireIfMatch(withIfMatch(), 'a', 3)).toThrow(PreconditionRequiredError);
    expect(() => requireIfMatch(withIfMatch(etagFor('a', 2)), 'a', 3)).toThrow(
      PreconditionFailedError,
    );
    expect(() => requireIfMatch(withIfMatch(etagFor('b', 3)), 'a', 3)).toThrow(
      PreconditionFailedError,
    );
  });
});

describe('cursors', () => {
  it('round-trip for the same query and refuse another query or garbage', () => {
    const query = { state: 'New', assignee: undefined };
    const cursor = encodeCursor('storage-cursor', query);
    expect(cursor).not.toContain('storage-cursor');
    expect(decodeCursor(cursor ?? undefined, { state: 'New' })).toBe('storage-cursor');
    expect(() => decodeCursor(cursor ?? undefined, { state: 'Resolved' })).toThrow(ValidationError);
    expect(() => decodeCursor('bm90LWpzb24', query)).toThrow(ValidationError);
    expect(encodeCursor(null, query)).toBeNull();
    expect(decodeCursor(undefined, query)).toBeNull();
  });

  it('map the store refusing a storage cursor to a 400, and nothing else', () => {
    const dynamoDb = (name: string, message: string) =>
      new Error('Error thrown by DynamoDB client', {
        cause: Object.assign(new Error(message), { name }),
      });
    for (const refused of [
      new Error('Unable to parse cursor - For more detail on this error reference: ...'),
      dynamoDb('ValidationException', 'The provided starting key is invalid'),
      dynamoDb(
        'ValidationException',
        "Exclusive Start Key must have same size as table's key schema",
      ),
    ]) {
      expect(asCursorRefusal(refused)?.issues).toEqual([
        { field: 'query.cursor', message: expect.any(String) },
      ]);
    }
    for (const other of [
      dynamoDb('ValidationException', 'One or more parameter values were invalid'),
      dynamoDb('ConditionalCheckFailedException', 'The conditional request failed: start key'),
      new Error('socket hang up'),
      'not an error',
    ]) {
      expect(asCursorRefusal(other)).toBeUndefined();
    }
  });
});

describe('problemResponse', () => {
  it('maps known errors to problem+json with their extensions', () => {
    const response = problemResponse(
      new InvalidTransitionError('close', 'New', ['start', 'cancel']),
      '/incidents/1',
    );
    expect(response.statusCode).toBe(409);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      type: expect.stringMatching(/invalid-transition$/),
      status: 409,
      instance: '/incidents/1',
      allowedActions: ['start', 'cancel'],
    });
  });

  it('hides the details of unexpected errors', () => {
    const response = problemResponse(new Error('connection string secret=42'));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
  });
});
