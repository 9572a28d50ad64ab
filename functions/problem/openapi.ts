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

const commonErrors = {
  400: problemResponse('Invalid input: the problem lists each field and what was expected'),
  401: problemResponse('No valid token'),
  404: problemResponse('Unknown problem, or the caller may not see problems (requesters)'),
};
const etag = { ETag: 'Version tag of the problem, for If-Match' };
const forbidden = { 403: problemResponse('Reading clients may not change problems') };
const readOnly = { 409: problemResponse('The problem is Closed, Duplicate or Canceled') };

/** Documents every problem route; keyed by route key so none can be left out. */
const documentation: Record<ProblemRouteKey, RouteDocumentation> = {
  'POST /problems': {
    summary: 'Raise a problem',
    description: `Priority is derived from impact x urgency (both default to 3 until assessed). ${IDEMPOTENT_RETRIES}`,
    request: {
      headers: IdempotencyKeyHeaders,
      body: jsonBody(CreateProblemRequestSchema),
    },
    responses: {
      201: jsonResponse('Created', ProblemSchema, { ...etag, Location: 'URL of the problem' }),
      ...commonErrors,
      ...forbidden,
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /problems': {
    summary: 'List problems',
    description:
      'Newest first. Each filter is served by an index; with several filters a page may hold fewer than `limit` items while `nextCursor` is not null. `incident` lists the problems an incident is linked to.',
    request: { query: ListProblemsQuerySchema },
    responses: { 200: jsonResponse('A page of problems', ProblemListSchema), ...commonErrors },
  },
  'GET /problems/{id}': {
    summary: 'Get a problem by id or number',
    request: { params: ProblemIdParamSchema },
    responses: { 200: jsonResponse('The problem', ProblemSchema, etag), ...commonErrors },
  },
  'PATCH /problems/{id}': {
    summary: 'Update fields of a problem (known error, root cause, workaround, ...)',
    request: {
      params: ProblemIdParamSchema,
      headers: z.object({ 'If-Match': z.string() }),
      body: jsonBody(PatchProblemRequestSchema),
    },
    responses: {
      200: jsonResponse('The updated problem', ProblemSchema, etag),
      ...commonErrors,
      ...forbidden,
      ...readOnly,
      412: problemResponse('The problem changed since the ETag was read'),
      428: problemResponse('If-Match is missing'),
    },
  },
  'POST /problems/{id}/transitions': {
    summary:
      'Change the state of a problem (assess, analyse, fix, resolve, close, reanalyse, markDuplicate, cancel)',
    description:
      'Resolving with Fix Applied resolves the linked incidents on hold awaiting the problem (Resolved by Problem) through events; Risk Accepted only notes them. markDuplicate moves the links to the kept problem.',
    request: {
      params: ProblemIdParamSchema,
      headers: z.object({ 'If-Match': z.optional(z.string()) }),
      body: jsonBody(ProblemTransitionRequestSchema),
    },
    responses: {
      200: jsonResponse('The problem in its new state', ProblemSchema, etag),
      ...commonErrors,
      ...forbidden,
      409: problemResponse(
        'The action is not allowed in the current state; allowedActions lists those that are',
      ),
      412: problemResponse('The problem changed since the ETag was read'),
    },
  },
  'GET /problems/{id}/incidents': {
    summary: 'List the incidents linked to a problem',
    request: { params: ProblemIdParamSchema, query: PageQuerySchema },
    responses: {
      200: jsonResponse('A page of links, by incident id', LinkedIncidentListSchema),
      ...commonErrors,
    },
  },
  'POST /problems/{id}/incidents': {
    summary: 'Link incidents to a problem',
    description: 'Incidents already linked are skipped, so a retry links nothing twice.',
    request: { params: ProblemIdParamSchema, body: jsonBody(LinkIncidentsRequestSchema) },
    responses: {
      200: jsonResponse('The problem and the links made now', LinkResultSchema),
      ...commonErrors,
      ...forbidden,
      409: problemResponse('The problem is no longer worked on'),
    },
  },
  'DELETE /problems/{id}/incidents/{incidentId}': {
    summary: 'Unlink an incident from a problem',
    request: { params: ProblemIncidentParamSchema },
    responses: {
      200: jsonResponse('The problem', ProblemSchema, etag),
      ...commonErrors,
      ...forbidden,
      ...readOnly,
    },
  },
  'POST /problems/{id}/workaround-communications': {
    summary: 'Communicate the workaround: a work note on every linked incident that is open',
    description:
      'The notes reach the incidents through events; communicating the same workaround again adds no note.',
    request: { params: ProblemIdParamSchema },
    responses: {
      200: jsonResponse(
        'The problem and how many incidents get the note',
        WorkaroundCommunicationSchema,
      ),
      ...commonErrors,
      ...forbidden,
      ...readOnly,
    },
  },
  'GET /problems/{id}/comments': {
    summary: 'List the work notes of a problem',
    request: { params: ProblemIdParamSchema, query: PageQuerySchema },
    responses: {
      200: jsonResponse('Work notes, oldest first', CommentListSchema),
      ...commonErrors,
    },
  },
  'POST /problems/{id}/comments': {
    summary: 'Add a work note',
    description: IDEMPOTENT_RETRIES,
    request: {
      params: ProblemIdParamSchema,
      headers: IdempotencyKeyHeaders,
      body: jsonBody(ProblemCommentRequestSchema),
    },
    responses: {
      201: jsonResponse('The work note', CommentSchema),
      ...commonErrors,
      ...forbidden,
      ...readOnly,
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /problems/{id}/history': {
    summary: 'Audit history: who changed which field when, from what to what',
    request: { params: ProblemIdParamSchema, query: PageQuerySchema },
    responses: {
      200: jsonResponse('History entries, oldest first', HistoryListSchema),
      ...commonErrors,
    },
  },
};

export function registerProblemApi(registry: OpenApiRegistry): void {
  registerRoutes(registry, 'Problems', documentation);
}
