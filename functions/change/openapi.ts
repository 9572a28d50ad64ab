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
import { MAX_CALENDAR_DAYS, MAX_RELEASE_CHANGES } from './limits';
import type { ChangeRouteKey } from './routes';
import {
  BlackoutListSchema,
  BlackoutWindowSchema,
  CalendarQuerySchema,
  CalendarSchema,
  ChangeCommentRequestSchema,
  ChangeConflictsSchema,
  ChangeIdParamSchema,
  ChangeListSchema,
  ChangeSchema,
  ChangeTransitionRequestSchema,
  CreateBlackoutRequestSchema,
  CreateChangeRequestSchema,
  CreateReleaseRequestSchema,
  CreateTemplateRequestSchema,
  GateDecisionSchema,
  GateRequestSchema,
  ListBlackoutsQuerySchema,
  ListChangesQuerySchema,
  ListTemplatesQuerySchema,
  PatchChangeRequestSchema,
  PatchReleaseRequestSchema,
  PatchTemplateRequestSchema,
  ReleaseChangeParamSchema,
  ReleaseChangesRequestSchema,
  ReleaseIdParamSchema,
  ReleaseListSchema,
  ReleaseViewSchema,
  ResourceIdParamSchema,
  TemplateListSchema,
  TemplateSchema,
} from './schemas';

const commonErrors = {
  400: problemResponse('Invalid input: the problem lists each field and what was expected'),
  401: problemResponse('No valid token'),
  404: problemResponse('Unknown resource, or the caller may not see changes (requesters)'),
};
const etag = { ETag: 'Version tag, for If-Match' };
const forbidden = { 403: problemResponse('The caller may not change this') };
const readOnly = { 409: problemResponse('The change is Closed or Canceled') };
const ifMatchRequired = {
  412: problemResponse('The resource changed since the ETag was read'),
  428: problemResponse('If-Match is missing'),
};
const releaseWriters = {
  403: problemResponse('Changing releases requires the agent role or changes.write'),
};
const releaseNotFound = {
  404: problemResponse('Unknown release, or the caller may not see changes (requesters)'),
};
const releaseState =
  'Its `status` is derived from its changes as they stand: needs-attention (one failed or was backed out), canceled (all were), deployed (every change not canceled is reviewed or closed successful), in-progress (implementation has begun), planned.';
const maintainers = {
  403: problemResponse('Only admins and clients with changes.write maintain these'),
};

/** Documents every change route; keyed by route key so none can be left out. */
const documentation: Record<ChangeRouteKey, RouteDocumentation> = {
  'POST /changes': {
    summary: 'Raise a change (normal, emergency, or standard from a template)',
    description: `${IDEMPOTENT_RETRIES} CIs must exist and not be retired; linked incidents and problems are given by id or number.`,
    request: {
      headers: IdempotencyKeyHeaders,
      body: jsonBody(CreateChangeRequestSchema),
    },
    responses: {
      201: jsonResponse('Created', ChangeSchema, { ...etag, Location: 'URL of the change' }),
      ...commonErrors,
      ...forbidden,
      409: problemResponse('The template is retired'),
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /changes': {
    summary: 'List changes',
    description:
      'Newest first; with plannedFrom/plannedTo in planned-start order. Each of state, model, assignment group, assignee, CI and the planned-start range is served by an index; with several filters a page may hold fewer than `limit` items while `nextCursor` is not null.',
    request: { query: ListChangesQuerySchema },
    responses: { 200: jsonResponse('A page of changes', ChangeListSchema), ...commonErrors },
  },
  'GET /changes/calendar': {
    summary: 'The schedule: changes holding their window, with their conflicts',
    description: `The changes from Authorize to Implement whose planned window overlaps [from, to) (at most ${MAX_CALENDAR_DAYS} days), by planned start, each with its conflicts against the stored schedule.`,
    request: { query: CalendarQuerySchema },
    responses: { 200: jsonResponse('A page of the schedule', CalendarSchema), ...commonErrors },
  },
  'GET /changes/{id}': {
    summary: 'Get a change by id or number',
    request: { params: ChangeIdParamSchema },
    responses: { 200: jsonResponse('The change', ChangeSchema, etag), ...commonErrors },
  },
  'PATCH /changes/{id}': {
    summary: 'Update fields of a change',
    request: {
      params: ChangeIdParamSchema,
      headers: z.object({ 'If-Match': z.string() }),
      body: jsonBody(PatchChangeRequestSchema),
    },
    responses: {
      200: jsonResponse('The updated change', ChangeSchema, etag),
      ...commonErrors,
      ...forbidden,
      409: problemResponse(
        "The change is read-only, or the field is fixed from Authorize on (or is the template's)",
      ),
      ...ifMatchRequired,
    },
  },
  'POST /changes/{id}/transitions': {
    summary:
      'Change the state of a change (assess, requestAuthorization, schedule, implement, review, close, cancel, revertToNew)',
    description:
      "assess and requestAuthorization assess the risk (CI criticality, blast radius, window, model, past failures); requestAuthorization also builds the approval plan and publishes ChangeSubmittedForAuthorization, which starts the approval workflow. requestAuthorization and schedule check conflicts: a blackout window refuses the window (409 listing the conflicts) unless an emergency change gives overrideReason. approve and reject are the approval workflow's (403): approvers vote on its approvals.",
    request: {
      params: ChangeIdParamSchema,
      headers: z.object({ 'If-Match': z.optional(z.string()) }),
      body: jsonBody(ChangeTransitionRequestSchema),
    },
    responses: {
      200: jsonResponse('The change in its new state', ChangeSchema, etag),
      ...commonErrors,
      ...forbidden,
      409: problemResponse(
        'Not allowed in the current state (allowedActions lists those that are), blocked by a blackout window (conflicts lists them), or no approver',
      ),
      412: problemResponse('The change changed since the ETag was read'),
    },
  },
  'POST /changes/gate': {
    summary: 'Pipeline gate: may a deployment touching these CIs or AWS resources run now?',
    description:
      'For CI/CD pipelines (changes.read clients) and agents. Targets are CI ids or ARNs of AWS resources imported from AWS Config. Allow only when every target is covered by a Scheduled or Implement change listing its CI whose planned window contains the deployment window (the named change, when `change` is given); deny on an unknown target, a CI no change covers, a blackout window (unless an emergency change overrode it), or another change being implemented on the same or a related CI. Always 200: fail the pipeline step on `decision: deny`.',
    request: { body: jsonBody(GateRequestSchema) },
    responses: {
      200: jsonResponse('The decision with its reasons', GateDecisionSchema),
      ...commonErrors,
    },
  },
  'GET /changes/{id}/conflicts': {
    summary: 'The conflicts of the planned window with the stored schedule',
    description:
      'Overlapping changes on the same CIs or on CIs related to them (one hop in the CMDB), the assignee already booked, CI maintenance windows not respected, blackout windows. Only a blackout blocks scheduling.',
    request: { params: ChangeIdParamSchema },
    responses: {
      200: jsonResponse('The conflicts', ChangeConflictsSchema),
      ...commonErrors,
    },
  },
  'GET /changes/{id}/comments': {
    summary: 'List the work notes of a change',
    request: { params: ChangeIdParamSchema, query: PageQuerySchema },
    responses: {
      200: jsonResponse('Work notes, oldest first', CommentListSchema),
      ...commonErrors,
    },
  },
  'POST /changes/{id}/comments': {
    summary: 'Add a work note',
    description: IDEMPOTENT_RETRIES,
    request: {
      params: ChangeIdParamSchema,
      headers: IdempotencyKeyHeaders,
      body: jsonBody(ChangeCommentRequestSchema),
    },
    responses: {
      201: jsonResponse('The work note', CommentSchema),
      ...commonErrors,
      ...forbidden,
      ...readOnly,
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /changes/{id}/history': {
    summary: 'Audit history: who changed which field when, from what to what',
    request: { params: ChangeIdParamSchema, query: PageQuerySchema },
    responses: {
      200: jsonResponse('History entries, oldest first', HistoryListSchema),
      ...commonErrors,
    },
  },
  'POST /change-templates': {
    summary: 'Create a standard change template (a pre-approved procedure)',
    description: IDEMPOTENT_RETRIES,
    request: { headers: IdempotencyKeyHeaders, body: jsonBody(CreateTemplateRequestSchema) },
    responses: {
      201: jsonResponse('Created', TemplateSchema, { ...etag, Location: 'URL of the template' }),
      ...commonErrors,
      ...maintainers,
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /change-templates': {
    summary: 'List standard change templates, newest first',
    request: { query: ListTemplatesQuerySchema },
    responses: { 200: jsonResponse('A page of templates', TemplateListSchema), ...commonErrors },
  },
  'GET /change-templates/{id}': {
    summary: 'Get a standard change template',
    request: { params: ResourceIdParamSchema },
    responses: { 200: jsonResponse('The template', TemplateSchema, etag), ...commonErrors },
  },
  'PATCH /change-templates/{id}': {
    summary: 'Update or retire a standard change template',
    description: 'A retired template (active: false) makes no new changes.',
    request: {
      params: ResourceIdParamSchema,
      headers: z.object({ 'If-Match': z.string() }),
      body: jsonBody(PatchTemplateRequestSchema),
    },
    responses: {
      200: jsonResponse('The updated template', TemplateSchema, etag),
      ...commonErrors,
      ...maintainers,
      ...ifMatchRequired,
    },
  },
  'POST /blackout-windows': {
    summary: 'Declare a blackout (freeze) window for all CIs or some',
    description: IDEMPOTENT_RETRIES,
    request: { headers: IdempotencyKeyHeaders, body: jsonBody(CreateBlackoutRequestSchema) },
    responses: {
      201: jsonResponse('Created', BlackoutWindowSchema, { Location: 'URL of the window' }),
      ...commonErrors,
      ...maintainers,
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /blackout-windows': {
    summary: 'List the blackout windows overlapping a time range, by end',
    request: { query: ListBlackoutsQuerySchema },
    responses: {
      200: jsonResponse('A page of blackout windows', BlackoutListSchema),
      ...commonErrors,
    },
  },
  'GET /blackout-windows/{id}': {
    summary: 'Get a blackout window',
    request: { params: ResourceIdParamSchema },
    responses: { 200: jsonResponse('The blackout window', BlackoutWindowSchema), ...commonErrors },
  },
  'DELETE /blackout-windows/{id}': {
    summary: 'Delete a blackout window',
    request: { params: ResourceIdParamSchema },
    responses: { 204: { description: 'Deleted' }, ...commonErrors, ...maintainers },
  },
  'POST /releases': {
    summary: 'Create a release: changes grouped with a target window',
    description: `Changes by id or number, at most ${MAX_RELEASE_CHANGES}. ${IDEMPOTENT_RETRIES} ${releaseState}`,
    request: {
      headers: IdempotencyKeyHeaders,
      body: jsonBody(CreateReleaseRequestSchema),
    },
    responses: {
      201: jsonResponse('Created', ReleaseViewSchema, { ...etag, Location: 'URL of the release' }),
      ...commonErrors,
      ...releaseWriters,
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /releases': {
    summary: 'List releases, newest first, each with its derived state',
    request: { query: PageQuerySchema },
    responses: { 200: jsonResponse('A page of releases', ReleaseListSchema), ...commonErrors },
  },
  'GET /releases/{id}': {
    summary: 'Get a release by id or number, with its changes and derived state',
    description: releaseState,
    request: { params: ReleaseIdParamSchema },
    responses: {
      200: jsonResponse('The release', ReleaseViewSchema, etag),
      ...commonErrors,
      ...releaseNotFound,
    },
  },
  'PATCH /releases/{id}': {
    summary: 'Update the name, description or target window of a release',
    request: {
      params: ReleaseIdParamSchema,
      headers: z.object({ 'If-Match': z.string() }),
      body: jsonBody(PatchReleaseRequestSchema),
    },
    responses: {
      200: jsonResponse('The updated release', ReleaseViewSchema, etag),
      ...commonErrors,
      ...releaseNotFound,
      ...releaseWriters,
      ...ifMatchRequired,
    },
  },
  'POST /releases/{id}/changes': {
    summary: 'Add changes to a release',
    description: `By id or number; those already listed are left as they are. At most ${MAX_RELEASE_CHANGES} in all. If-Match optional.`,
    request: {
      params: ReleaseIdParamSchema,
      headers: z.object({ 'If-Match': z.optional(z.string()) }),
      body: jsonBody(ReleaseChangesRequestSchema),
    },
    responses: {
      200: jsonResponse('The release', ReleaseViewSchema, etag),
      ...commonErrors,
      ...releaseNotFound,
      ...releaseWriters,
      412: problemResponse('The release changed since the ETag was read'),
    },
  },
  'DELETE /releases/{id}/changes/{changeId}': {
    summary: 'Remove a change from a release',
    description: 'The change by id or number. If-Match optional.',
    request: {
      params: ReleaseChangeParamSchema,
      headers: z.object({ 'If-Match': z.optional(z.string()) }),
    },
    responses: {
      200: jsonResponse('The release', ReleaseViewSchema, etag),
      ...commonErrors,
      404: problemResponse('Unknown release, or the release does not list that change'),
      ...releaseWriters,
      412: problemResponse('The release changed since the ETag was read'),
    },
  },
  'GET /releases/{id}/history': {
    summary: 'Audit history of a release',
    request: { params: ReleaseIdParamSchema, query: PageQuerySchema },
    responses: {
      200: jsonResponse('History entries, oldest first', HistoryListSchema),
      ...commonErrors,
      ...releaseNotFound,
    },
  },
};

export function registerChangeApi(registry: OpenApiRegistry): void {
  registerRoutes(registry, 'Changes', documentation);
}
