import { ValidationError } from '../../shared/errors';
import {
  type ApiRequest,
  createHttpHandler,
  pageOfResource,
  type RouteHandler,
} from '../../shared/http/handler';
import {
  commentRoute,
  createRoute,
  getRoute,
  listRoute,
  patchRoute,
  transitionRoute,
} from '../../shared/http/resource-routes';
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
  'POST /incidents': createRoute({
    body: CreateIncidentRequestSchema,
    schema: IncidentSchema,
    path: '/incidents',
    name: 'incident',
    create: createIncident,
  }),

  'GET /incidents': listRoute({
    query: ListIncidentsQuerySchema,
    schema: IncidentListSchema,
    list: listIncidents,
  }),

  'GET /incidents/{id}': getRoute({
    id: incidentId,
    schema: IncidentSchema,
    get: getIncidentForPrincipal,
  }),

  'PATCH /incidents/{id}': patchRoute({
    id: incidentId,
    body: PatchIncidentRequestSchema,
    schema: IncidentSchema,
    update: updateIncident,
  }),

  'POST /incidents/{id}/transitions': transitionRoute({
    id: incidentId,
    body: TransitionRequestSchema,
    schema: IncidentSchema,
    transition: transitionIncident,
  }),

  'GET /incidents/{id}/comments': pageOfResource(
    incidentId,
    'comments',
    listIncidentComments,
    CommentListSchema,
  ),

  'POST /incidents/{id}/comments': commentRoute({
    id: incidentId,
    body: CommentRequestSchema,
    path: '/incidents',
    add: addComment,
  }),

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
