import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import type { IncidentRouteKey } from './routes';
import {
  CommentListSchema,
  CommentRequestSchema,
  CommentSchema,
  CreateIncidentRequestSchema,
  HistoryListSchema,
  IncidentIdParamSchema,
  IncidentListSchema,
  IncidentSchema,
  ListIncidentsQuerySchema,
  PageQuerySchema,
  PatchIncidentRequestSchema,
  ProblemSchema,
  TransitionRequestSchema,
} from './schemas';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});
const ok = (description: string, schema: z.ZodType, headers?: Record<string, string>) => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers
    ? {
        headers: Object.fromEntries(
          Object.entries(headers).map(([name, text]) => [
            name,
            { description: text, schema: { type: 'string' as const } },
          ]),
        ),
      }
    : {}),
});
const jsonBody = (schema: z.ZodType) => ({
  content: { 'application/json': { schema } },
  required: true,
});
const commonErrors = {
  400: problem('Invalid input: the problem lists each field and what was expected'),
  401: problem('No valid token'),
  404: problem('Unknown incident, or one the caller may not see'),
};
const etag = { ETag: 'Version tag of the incident, for If-Match' };

/** Documents every incident route; keyed by route key so none can be left out. */
const documentation: Record<IncidentRouteKey, Omit<RouteConfig, 'method' | 'path'>> = {
  'POST /incidents': {
    summary: 'Report an incident',
    description:
      'Priority is derived from impact x urgency. With Idempotency-Key a retry returns the first result (201, Idempotent-Replayed: true); the same key with another body is 422.',
    request: {
      headers: z.object({ 'Idempotency-Key': z.string().max(255).optional() }),
      body: jsonBody(CreateIncidentRequestSchema),
    },
    responses: {
      201: ok('Created', IncidentSchema, { ...etag, Location: 'URL of the incident' }),
      ...commonErrors,
      403: problem('The caller may not report incidents'),
      422: problem('Idempotency-Key reused with a different body'),
    },
  },
  'GET /incidents': {
    summary: 'List incidents',
    description:
      'Newest first. Each filter is served by an index; with several filters a page may hold fewer than `limit` items while `nextCursor` is not null. Requesters see their own incidents only.',
    request: { query: ListIncidentsQuerySchema },
    responses: { 200: ok('A page of incidents', IncidentListSchema), ...commonErrors },
  },
  'GET /incidents/{id}': {
    summary: 'Get an incident by id or number',
    request: { params: IncidentIdParamSchema },
    responses: { 200: ok('The incident', IncidentSchema, etag), ...commonErrors },
  },
  'PATCH /incidents/{id}': {
    summary: 'Update fields of an incident',
    request: {
      params: IncidentIdParamSchema,
      headers: z.object({ 'If-Match': z.string() }),
      body: jsonBody(PatchIncidentRequestSchema),
    },
    responses: {
      200: ok('The updated incident', IncidentSchema, etag),
      ...commonErrors,
      409: problem('The incident is closed, canceled or resolved'),
      412: problem('The incident changed since the ETag was read'),
      428: problem('If-Match is missing'),
    },
  },
  'POST /incidents/{id}/transitions': {
    summary:
      'Change the state of an incident (start, hold, resume, resolve, close, reopen, cancel)',
    request: {
      params: IncidentIdParamSchema,
      headers: z.object({ 'If-Match': z.string().optional() }),
      body: jsonBody(TransitionRequestSchema),
    },
    responses: {
      200: ok('The incident in its new state', IncidentSchema, etag),
      ...commonErrors,
      403: problem('The caller may not perform this action'),
      409: problem(
        'The action is not allowed in the current state; allowedActions lists those that are',
      ),
      412: problem('The incident changed since the ETag was read'),
    },
  },
  'GET /incidents/{id}/comments': {
    summary: 'List comments and work notes (requesters see public comments only)',
    request: { params: IncidentIdParamSchema, query: PageQuerySchema },
    responses: { 200: ok('Comments, oldest first', CommentListSchema), ...commonErrors },
  },
  'POST /incidents/{id}/comments': {
    summary: 'Add a public comment or an internal work note',
    request: { params: IncidentIdParamSchema, body: jsonBody(CommentRequestSchema) },
    responses: {
      201: ok('The comment', CommentSchema),
      ...commonErrors,
      403: problem('Not allowed'),
    },
  },
  'GET /incidents/{id}/history': {
    summary: 'Audit history: who changed which field when, from what to what',
    request: { params: IncidentIdParamSchema, query: PageQuerySchema },
    responses: { 200: ok('History entries, oldest first', HistoryListSchema), ...commonErrors },
  },
  'GET /incidents/{id}/children': {
    summary: 'List the child incidents of a parent',
    request: { params: IncidentIdParamSchema, query: PageQuerySchema },
    responses: { 200: ok('A page of child incidents', IncidentListSchema), ...commonErrors },
  },
};

export function registerIncidentApi(registry: OpenAPIRegistry): void {
  for (const [routeKey, route] of Object.entries(documentation)) {
    const [method, path] = routeKey.split(' ') as [string, string];
    registry.registerPath({
      ...route,
      method: method.toLowerCase() as RouteConfig['method'],
      path,
      tags: ['Incidents'],
      security: [{ jwt: [] }],
    });
  }
}
