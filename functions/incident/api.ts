import type * as z from 'zod';
import { ValidationError } from '../../shared/errors';
import { decodeCursor, encodeCursor } from '../../shared/http/cursor';
import {
  type ApiRequest,
  contextOf,
  createHttpHandler,
  type RouteHandler,
} from '../../shared/http/handler';
import {
  etagFor,
  header,
  idempotencyKey,
  parseJsonBody,
  parseQuery,
  requireIfMatch,
} from '../../shared/http/request';
import { type HttpResponse, json } from '../../shared/http/responses';
import type { Incident } from './domain';
import type { IncidentRouteKey } from './routes';
import {
  CommentListSchema,
  CommentRequestSchema,
  CreateIncidentRequestSchema,
  HistoryListSchema,
  IncidentIdParamSchema,
  IncidentListSchema,
  IncidentSchema,
  ListIncidentsQuerySchema,
  PageQuerySchema,
  PatchIncidentRequestSchema,
  TransitionRequestSchema,
} from './schemas';
import {
  addComment,
  createIncident,
  getIncidentForPrincipal,
  listChildIncidents,
  listIncidentComments,
  listIncidentHistory,
  listIncidents,
  type PageRequest,
  transitionIncident,
  updateIncident,
} from './use-cases';

function incidentId(request: ApiRequest): string {
  const parsed = IncidentIdParamSchema.safeParse(request.pathParameters);
  if (!parsed.success)
    throw new ValidationError([{ field: 'id', message: 'expected an incident id or number' }]);
  return parsed.data.id;
}

/** Responses go through their schema: fields in a stable order, nothing internal leaks. */
function withEtag(
  status: number,
  incident: Incident,
  headers: Record<string, string> = {},
): HttpResponse {
  return json(status, IncidentSchema.parse(incident), {
    etag: etagFor(incident.id, incident.version),
    ...headers,
  });
}

/**
 * A route listing something of one incident (comments, history, children). Its cursors are
 * bound to the incident and the list, so one cannot be replayed against another.
 */
function pageOfIncident<T>(
  list: string,
  load: (
    id: string,
    page: PageRequest,
    principal: ApiRequest['principal'],
  ) => Promise<{ items: T[]; cursor: string | null }>,
  schema: z.ZodType,
): RouteHandler {
  return async (request) => {
    const id = incidentId(request);
    const scope = { id, list };
    const query = parseQuery(request.event, PageQuerySchema);
    const page = await load(
      id,
      { limit: query.limit, cursor: decodeCursor(query.cursor, scope) },
      request.principal,
    );
    return json(
      200,
      schema.parse({ items: page.items, nextCursor: encodeCursor(page.cursor, scope) }),
    );
  };
}

const routes: Record<IncidentRouteKey, RouteHandler> = {
  'POST /incidents': async (request) => {
    const body = parseJsonBody(request.event, CreateIncidentRequestSchema);
    const { incident, replayed } = await createIncident(
      body,
      contextOf(request),
      idempotencyKey(request.event),
    );
    return withEtag(201, incident, {
      location: `/incidents/${incident.id}`,
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
  },

  'GET /incidents': async (request) => {
    const { cursor, limit, ...filters } = parseQuery(request.event, ListIncidentsQuerySchema);
    const page = await listIncidents(
      { ...filters, limit, cursor: decodeCursor(cursor, filters) },
      request.principal,
    );
    return json(
      200,
      IncidentListSchema.parse({
        items: page.items,
        nextCursor: encodeCursor(page.cursor, filters),
      }),
    );
  },

  'GET /incidents/{id}': async (request) =>
    withEtag(200, await getIncidentForPrincipal(incidentId(request), request.principal)),

  'PATCH /incidents/{id}': async (request) => {
    const id = incidentId(request);
    const patch = parseJsonBody(request.event, PatchIncidentRequestSchema);
    const incident = await updateIncident(id, patch, contextOf(request), (current) =>
      requireIfMatch(request.event, current.id, current.version),
    );
    return withEtag(200, incident);
  },

  'POST /incidents/{id}/transitions': async (request) => {
    const id = incidentId(request);
    const command = parseJsonBody(request.event, TransitionRequestSchema);
    const ifMatch = header(request.event, 'if-match');
    const incident = await transitionIncident(
      id,
      command,
      contextOf(request),
      ifMatch ? (current) => requireIfMatch(request.event, current.id, current.version) : undefined,
    );
    return withEtag(200, incident);
  },

  'GET /incidents/{id}/comments': pageOfIncident(
    'comments',
    listIncidentComments,
    CommentListSchema,
  ),

  'POST /incidents/{id}/comments': async (request) => {
    const id = incidentId(request);
    const body = parseJsonBody(request.event, CommentRequestSchema);
    const comment = await addComment(id, body, contextOf(request));
    return json(201, comment, { location: `/incidents/${id}/comments` });
  },

  'GET /incidents/{id}/history': pageOfIncident('history', listIncidentHistory, HistoryListSchema),

  'GET /incidents/{id}/children': pageOfIncident(
    'children',
    listChildIncidents,
    IncidentListSchema,
  ),
};

export const handler = createHttpHandler(routes);
