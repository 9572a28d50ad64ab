import { ValidationError } from '../../shared/errors';
import { decodeCursor } from '../../shared/http/cursor';
import {
  type ApiRequest,
  contextOf,
  createHttpHandler,
  pageOfResource,
  type RouteHandler,
} from '../../shared/http/handler';
import {
  header,
  idempotencyKey,
  parseJsonBody,
  parseQuery,
  requireIfMatch,
} from '../../shared/http/request';
import { createdHeaders, cursorPage, json, versioned } from '../../shared/http/responses';
import { CommentListSchema, HistoryListSchema } from '../../shared/http/schemas';
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
import {
  addComment,
  createIncident,
  getIncidentForPrincipal,
  listChildIncidents,
  listIncidentComments,
  listIncidentHistory,
  listIncidents,
  transitionIncident,
  updateIncident,
} from './use-cases';

function incidentId(request: ApiRequest): string {
  const parsed = IncidentIdParamSchema.safeParse(request.pathParameters);
  if (!parsed.success)
    throw new ValidationError([{ field: 'id', message: 'expected an incident id or number' }]);
  return parsed.data.id;
}

const routes: Record<IncidentRouteKey, RouteHandler> = {
  'POST /incidents': async (request) => {
    const body = parseJsonBody(request.event, CreateIncidentRequestSchema);
    const { incident, replayed } = await createIncident(
      body,
      contextOf(request),
      idempotencyKey(request.event),
    );
    return versioned(
      201,
      IncidentSchema,
      incident,
      createdHeaders(`/incidents/${incident.id}`, replayed),
    );
  },

  'GET /incidents': async (request) => {
    const { cursor, limit, ...filters } = parseQuery(request.event, ListIncidentsQuerySchema);
    const page = await listIncidents(
      { ...filters, limit, cursor: decodeCursor(cursor, filters) },
      request.principal,
    );
    return cursorPage(IncidentListSchema, page, filters);
  },

  'GET /incidents/{id}': async (request) =>
    versioned(
      200,
      IncidentSchema,
      await getIncidentForPrincipal(incidentId(request), request.principal),
    ),

  'PATCH /incidents/{id}': async (request) => {
    const id = incidentId(request);
    const patch = parseJsonBody(request.event, PatchIncidentRequestSchema);
    const incident = await updateIncident(id, patch, contextOf(request), (current) =>
      requireIfMatch(request.event, current.id, current.version),
    );
    return versioned(200, IncidentSchema, incident);
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
    return versioned(200, IncidentSchema, incident);
  },

  'GET /incidents/{id}/comments': pageOfResource(
    incidentId,
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

  'GET /incidents/{id}/history': pageOfResource(
    incidentId,
    'history',
    listIncidentHistory,
    HistoryListSchema,
  ),

  'GET /incidents/{id}/children': pageOfResource(
    incidentId,

    'children',
    listChildIncidents,
    IncidentListSchema,
  ),
};

export const handler = createHttpHandler(routes);
