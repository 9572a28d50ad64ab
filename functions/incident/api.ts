import { ValidationError } from '../../shared/errors';
import { decodeCursor, encodeCursor } from '../../shared/http/cursor';
import { type ApiRequest, createHttpHandler, type RouteHandler } from '../../shared/http/handler';
import {
  etagFor,
  header,
  parseJsonBody,
  parseQuery,
  requireIfMatch,
} from '../../shared/http/request';
import { type HttpResponse, json } from '../../shared/http/responses';
import type { Incident } from './domain';
import type { IncidentRouteKey } from './routes';
import {
  CommentRequestSchema,
  CreateIncidentRequestSchema,
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
  type RequestContext,
  transitionIncident,
  updateIncident,
} from './use-cases';

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

function contextOf(request: ApiRequest): RequestContext {
  return { principal: request.principal, now: request.now, correlationId: request.correlationId };
}

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

function incidentPage(items: Incident[], nextCursor: string | null): HttpResponse {
  return json(200, IncidentListSchema.parse({ items, nextCursor }));
}

function idempotencyKey(request: ApiRequest): string | undefined {
  const key = header(request.event, 'idempotency-key');
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

function pageOf(request: ApiRequest, scope: Record<string, unknown>) {
  const query = parseQuery(request.event, PageQuerySchema);
  return { limit: query.limit, cursor: decodeCursor(query.cursor, scope) };
}

const routes: Record<IncidentRouteKey, RouteHandler> = {
  'POST /incidents': async (request) => {
    const body = parseJsonBody(request.event, CreateIncidentRequestSchema);
    const { incident, replayed } = await createIncident(
      body,
      contextOf(request),
      idempotencyKey(request),
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
    return incidentPage(page.items, encodeCursor(page.cursor, filters));
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

  'GET /incidents/{id}/comments': async (request) => {
    const id = incidentId(request);
    const page = await listIncidentComments(
      id,
      pageOf(request, { id, list: 'comments' }),
      request.principal,
    );
    return json(200, {
      items: page.items,
      nextCursor: encodeCursor(page.cursor, { id, list: 'comments' }),
    });
  },

  'POST /incidents/{id}/comments': async (request) => {
    const id = incidentId(request);
    const body = parseJsonBody(request.event, CommentRequestSchema);
    const comment = await addComment(id, body, contextOf(request));
    return json(201, comment, { location: `/incidents/${id}/comments` });
  },

  'GET /incidents/{id}/history': async (request) => {
    const id = incidentId(request);
    const page = await listIncidentHistory(
      id,
      pageOf(request, { id, list: 'history' }),
      request.principal,
    );
    return json(200, {
      items: page.items,
      nextCursor: encodeCursor(page.cursor, { id, list: 'history' }),
    });
  },

  'GET /incidents/{id}/children': async (request) => {
    const id = incidentId(request);
    const page = await listChildIncidents(
      id,
      pageOf(request, { id, list: 'children' }),
      request.principal,
    );
    return incidentPage(page.items, encodeCursor(page.cursor, { id, list: 'children' }));
  },
};

export const handler = createHttpHandler(routes);
