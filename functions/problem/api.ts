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
  'POST /problems': async (request) => {
    const body = parseJsonBody(request.event, CreateProblemRequestSchema);
    const { problem, replayed } = await createProblem(
      body,
      contextOf(request),
      idempotencyKey(request.event),
    );
    return versioned(
      201,
      ProblemSchema,
      problem,
      createdHeaders(`/problems/${problem.id}`, replayed),
    );
  },

  'GET /problems': async (request) => {
    const { cursor, limit, ...filters } = parseQuery(request.event, ListProblemsQuerySchema);
    const page = await listProblems(
      { ...filters, limit, cursor: decodeCursor(cursor, filters) },
      request.principal,
    );
    return cursorPage(ProblemListSchema, page, filters);
  },

  'GET /problems/{id}': async (request) =>
    versioned(
      200,
      ProblemSchema,
      await getProblemForPrincipal(problemId(request), request.principal),
    ),

  'PATCH /problems/{id}': async (request) => {
    const id = problemId(request);
    const patch = parseJsonBody(request.event, PatchProblemRequestSchema);
    const problem = await updateProblem(id, patch, contextOf(request), (current) =>
      requireIfMatch(request.event, current.id, current.version),
    );
    return versioned(200, ProblemSchema, problem);
  },

  'POST /problems/{id}/transitions': async (request) => {
    const id = problemId(request);
    const command = parseJsonBody(request.event, ProblemTransitionRequestSchema);
    const ifMatch = header(request.event, 'if-match');
    const problem = await transitionProblem(
      id,
      command,
      contextOf(request),
      ifMatch ? (current) => requireIfMatch(request.event, current.id, current.version) : undefined,
    );
    return versioned(200, ProblemSchema, problem);
  },

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

  'POST /problems/{id}/comments': async (request) => {
    const id = problemId(request);
    const { body } = parseJsonBody(request.event, ProblemCommentRequestSchema);
    const comment = await addComment(id, body, contextOf(request));
    return json(201, comment, { location: `/problems/${id}/comments` });
  },

  'GET /problems/{id}/history': pageOfResource(
    problemId,
    'history',
    listProblemHistory,
    HistoryListSchema,
  ),
};

export const handler = createHttpHandler(routes);
