import { ValidationError } from '../../shared/errors';
import {
  type ApiRequest,
  contextOf,
  createHttpHandler,
  pageOfResource,
  type RouteHandler,
} from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/request';
import {
  commentRoute,
  createRoute,
  getRoute,
  listRoute,
  patchRoute,
  transitionRoute,
} from '../../shared/http/resource-routes';
import { json, versioned } from '../../shared/http/responses';
import { CommentListSchema, HistoryListSchema } from '../../shared/http/schemas';
import type { ProblemRouteKey } from './routes';
import {
  CreateProblemRequestSchema,
  LinkedIncidentListSchema,
  LinkIncidentsRequestSchema,
  LinkResultSchema,
  ListProblemsQuerySchema,
  PatchProblemRequestSchema,
  ProblemCommentRequestSchema,
  ProblemIdParamSchema,
  ProblemIncidentParamSchema,
  ProblemListSchema,
  ProblemSchema,
  ProblemTransitionRequestSchema,
  WorkaroundCommunicationSchema,
} from './schemas';
import {
  addComment,
  communicateWorkaround,
  createProblem,
  getProblemForPrincipal,
  linkIncidents,
  listLinkedIncidents,
  listProblemComments,
  listProblemHistory,
  listProblems,
  transitionProblem,
  unlinkIncident,
  updateProblem,
} from './use-cases';

function problemId(request: ApiRequest): string {
  const parsed = ProblemIdParamSchema.safeParse(request.pathParameters);
  if (!parsed.success) {
    throw new ValidationError([{ field: 'id', message: 'expected a problem id or number' }]);
  }
  return parsed.data.id;
}

const routes: Record<ProblemRouteKey, RouteHandler> = {
  'POST /problems': createRoute({
    body: CreateProblemRequestSchema,
    schema: ProblemSchema,
    path: '/problems',
    name: 'problem',
    create: createProblem,
  }),

  'GET /problems': listRoute({
    query: ListProblemsQuerySchema,
    schema: ProblemListSchema,
    list: listProblems,
  }),

  'GET /problems/{id}': getRoute({
    id: problemId,
    schema: ProblemSchema,
    get: getProblemForPrincipal,
  }),

  'PATCH /problems/{id}': patchRoute({
    id: problemId,
    body: PatchProblemRequestSchema,
    schema: ProblemSchema,
    update: updateProblem,
  }),

  'POST /problems/{id}/transitions': transitionRoute({
    id: problemId,
    body: ProblemTransitionRequestSchema,
    schema: ProblemSchema,
    transition: transitionProblem,
  }),

  'GET /problems/{id}/incidents': pageOfResource(
    problemId,
    'incidents',
    listLinkedIncidents,
    LinkedIncidentListSchema,
  ),

  'POST /problems/{id}/incidents': async (request) => {
    const id = problemId(request);
    const { incidentIds } = parseJsonBody(request.event, LinkIncidentsRequestSchema);
    const result = await linkIncidents(id, incidentIds, contextOf(request));
    return json(200, LinkResultSchema.parse(result));
  },

  'DELETE /problems/{id}/incidents/{incidentId}': async (request) => {
    const parsed = ProblemIncidentParamSchema.safeParse(request.pathParameters);
    if (!parsed.success) {
      throw new ValidationError([{ field: 'incidentId', message: 'expected an incident id' }]);
    }
    const problem = await unlinkIncident(
      parsed.data.id,
      parsed.data.incidentId,
      contextOf(request),
    );
    return versioned(200, ProblemSchema, problem);
  },

  'POST /problems/{id}/workaround-communications': async (request) => {
    const result = await communicateWorkaround(problemId(request), contextOf(request));
    return json(200, WorkaroundCommunicationSchema.parse(result));
  },

  'GET /problems/{id}/comments': pageOfResource(
    problemId,
    'comments',
    listProblemComments,
    CommentListSchema,
  ),

  'POST /problems/{id}/comments': commentRoute({
    id: problemId,
    body: ProblemCommentRequestSchema,
    path: '/problems',
    add: (id, { body }, ctx, key) => addComment(id, body, ctx, key),
  }),

  'GET /problems/{id}/history': pageOfResource(
    problemId,
    'history',
    listProblemHistory,
    HistoryListSchema,
  ),
};

export const handler = createHttpHandler(routes);
