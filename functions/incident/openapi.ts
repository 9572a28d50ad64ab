import {
  jsonBody,
  jsonResponse,
  type OpenApiRegistry,
  problemResponse,
  type RouteDocumentation,
  registerRoutes,
} from '../../shared/http/openapi';
import {
  CommentListSchema,
  CommentSchema,
  HistoryListSchema,
  IDEMPOTENT_RETRIES,
  IdempotencyKeyHeaders,
  PageQuerySchema,
} from '../../shared/http/schemas';
import * as z from '../../shared/zod';
import type { IncidentRouteKey } from './routes';
import {
  CommentRequestSchema,
  CreateIncidentRequestSchema,
  IncidentIdParamSchema,
  IncidentListSchema,
  IncidentSchema,
  ListIncidentsQuerySchema,
  PatchIncidentRequestSchema,
  TransitionRequestSchema,
} from './schemas';

const commonErrors = {
  400: problemResponse('Invalid input: the problem lists each field and what was expected'),
  401: problemResponse('No valid token'),
  404: problemResponse('Unknown incident, or one the caller may not see'),
};
const etag = { ETag: 'Version tag of the incident, for If-Match' };

/** Documents every incident route; keyed by route key so none can be left out. */
const documentation: Record<IncidentRouteKey, RouteDocumentation> = {
  'POST /incidents': {
    summary: 'Report an incident',
    description: `Priority is derived from impact x urgency. ${IDEMPOTENT_RETRIES}`,
    request: {
      headers: IdempotencyKeyHeaders,
      body: jsonBody(CreateIncidentRequestSchema),
    },
    responses: {
      201: jsonResponse('Created', IncidentSchema, { ...etag, Location: 'URL of the incident' }),
      ...commonErrors,
      403: problemResponse('The caller may not report incidents'),
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /incidents': {
    summary: 'List incidents',
    description:
      'Newest first. Each filter is served by an index; with several filters a page may hold fewer than `limit` items while `nextCursor` is not null. Requesters see their own incidents only.',
    request: { query: ListIncidentsQuerySchema },
    responses: { 200: jsonResponse('A page of incidents', IncidentListSchema), ...commonErrors },
  },
  'GET /incidents/{id}': {
    summary: 'Get an incident by id or number',
    request: { params: IncidentIdParamSchema },
    responses: { 200: jsonResponse('The incident', IncidentSchema, etag), ...commonErrors },
  },
  'PATCH /incidents/{id}': {
    summary: 'Update fields of an incident',
    request: {
      params: IncidentIdParamSchema,
      headers: z.object({ 'If-Match': z.string() }),
      body: jsonBody(PatchIncidentRequestSchema),
    },
    responses: {
      200: jsonResponse('The updated incident', IncidentSchema, etag),
      ...commonErrors,
      409: problemResponse('The incident is closed, canceled or resolved'),
      412: problemResponse('The incident changed since the ETag was read'),
      428: problemResponse('If-Match is missing'),
    },
  },
  'POST /incidents/{id}/transitions': {
    summary:
      'Change the state of an incident (start, hold, resume, resolve, close, reopen, cancel)',
    request: {
      params: IncidentIdParamSchema,
      headers: z.object({ 'If-Match': z.optional(z.string()) }),
      body: jsonBody(TransitionRequestSchema),
    },
    responses: {
      200: jsonResponse('The incident in its new state', IncidentSchema, etag),
      ...commonErrors,
      403: problemResponse('The caller may not perform this action'),
      409: problemResponse(
        'The action is not allowed in the current state; allowedActions lists those that are',
      ),
      412: problemResponse('The incident changed since the ETag was read'),
    },
  },
  'GET /incidents/{id}/comments': {
    summary: 'List comments and work notes (requesters see public comments only)',
    request: { params: IncidentIdParamSchema, query: PageQuerySchema },
    responses: { 200: jsonResponse('Comments, oldest first', CommentListSchema), ...commonErrors },
  },
  'POST /incidents/{id}/comments': {
    summary: 'Add a public comment or an internal work note',
    description: IDEMPOTENT_RETRIES,
    request: {
      params: IncidentIdParamSchema,
      headers: IdempotencyKeyHeaders,
      body: jsonBody(CommentRequestSchema),
    },
    responses: {
      201: jsonResponse('The comment', CommentSchema),
      ...commonErrors,
      403: problemResponse('Not allowed'),
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /incidents/{id}/history': {
    summary: 'Audit history: who changed which field when, from what to what',
    request: { params: IncidentIdParamSchema, query: PageQuerySchema },
    responses: {
      200: jsonResponse('History entries, oldest first', HistoryListSchema),
      ...commonErrors,
    },
  },
  'GET /incidents/{id}/children': {
    summary: 'List the child incidents of a parent',
    request: { params: IncidentIdParamSchema, query: PageQuerySchema },
    responses: {
      200: jsonResponse('A page of child incidents', IncidentListSchema),
      ...commonErrors,
    },
  },
};

export function registerIncidentApi(registry: OpenApiRegistry): void {
  registerRoutes(registry, 'Incidents', documentation);
}
