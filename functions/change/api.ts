import { decodeCursor } from '../../shared/http/cursor';
import {
  type ApiRequest,
  contextOf,
  createHttpHandler,
  pageOfResource,
  type RouteHandler,
} from '../../shared/http/handler';
import { parseJsonBody, parseQuery } from '../../shared/http/request';
import {
  commentRoute,
  createRoute,
  getRoute,
  ifMatchOf,
  listRoute,
  optionalIfMatchOf,
  patchRoute,
  pathParameters,
  transitionRoute,
} from '../../shared/http/resource-routes';
import { cursorPage, json, noContent, versioned } from '../../shared/http/responses';
import { CommentListSchema, HistoryListSchema, PageQuerySchema } from '../../shared/http/schemas';
import {
  createBlackoutWindow,
  createTemplate,
  deleteBlackoutWindow,
  getBlackoutWindow,
  getTemplateForPrincipal,
  listBlackoutWindows,
  listTemplates,
  updateTemplate,
} from './catalog';
import { checkDeployment } from './gate-use-case';
import {
  addReleaseChanges,
  createRelease,
  getReleaseForPrincipal,
  listReleaseHistory,
  listReleases,
  removeReleaseChange,
  updateRelease,
} from './release-use-cases';
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
import {
  addComment,
  calendar,
  conflictsOfChange,
  createChange,
  getChangeForPrincipal,
  listChangeComments,
  listChangeHistory,
  listChanges,
  transitionChange,
  updateChange,
} from './use-cases';

const changeId = (request: ApiRequest) => pathParameters(request, ChangeIdParamSchema).id;
const resourceId = (request: ApiRequest) => pathParameters(request, ResourceIdParamSchema).id;
const releaseId = (request: ApiRequest) => pathParameters(request, ReleaseIdParamSchema).id;

const routes: Record<ChangeRouteKey, RouteHandler> = {
  'POST /changes': createRoute({
    body: CreateChangeRequestSchema,
    schema: ChangeSchema,
    path: '/changes',
    name: 'change',
    create: createChange,
  }),

  'GET /changes': listRoute({
    query: ListChangesQuerySchema,
    schema: ChangeListSchema,
    list: listChanges,
  }),

  'GET /changes/calendar': async (request) => {
    const { cursor, limit, ...range } = parseQuery(request.event, CalendarQuerySchema);
    const page = await calendar(
      range,
      { limit, cursor: decodeCursor(cursor, range) },
      request.principal,
    );
    return cursorPage(CalendarSchema, page, range);
  },

  'GET /changes/{id}': getRoute({ id: changeId, schema: ChangeSchema, get: getChangeForPrincipal }),

  'PATCH /changes/{id}': patchRoute({
    id: changeId,
    body: PatchChangeRequestSchema,
    schema: ChangeSchema,
    update: updateChange,
  }),

  'POST /changes/{id}/transitions': transitionRoute({
    id: changeId,
    body: ChangeTransitionRequestSchema,
    schema: ChangeSchema,
    transition: transitionChange,
  }),

  'POST /changes/gate': async (request) => {
    const body = parseJsonBody(request.event, GateRequestSchema);
    return json(200, GateDecisionSchema.parse(await checkDeployment(body, request.principal)));
  },

  'GET /changes/{id}/conflicts': async (request) =>
    json(
      200,
      ChangeConflictsSchema.parse(await conflictsOfChange(changeId(request), request.principal)),
    ),

  'GET /changes/{id}/comments': pageOfResource(
    changeId,
    'comments',
    listChangeComments,
    CommentListSchema,
  ),

  'POST /changes/{id}/comments': commentRoute({
    id: changeId,
    body: ChangeCommentRequestSchema,
    path: '/changes',
    add: (id, { body }, ctx, key) => addComment(id, body, ctx, key),
  }),

  'GET /changes/{id}/history': pageOfResource(
    changeId,
    'history',
    listChangeHistory,
    HistoryListSchema,
  ),

  'POST /change-templates': createRoute({
    body: CreateTemplateRequestSchema,
    schema: TemplateSchema,
    path: '/change-templates',
    name: 'template',
    create: createTemplate,
  }),

  'GET /change-templates': listRoute({
    query: ListTemplatesQuerySchema,
    schema: TemplateListSchema,
    list: listTemplates,
  }),

  'GET /change-templates/{id}': getRoute({
    id: resourceId,
    schema: TemplateSchema,
    get: getTemplateForPrincipal,
  }),

  'PATCH /change-templates/{id}': patchRoute({
    id: resourceId,
    body: PatchTemplateRequestSchema,
    schema: TemplateSchema,
    update: updateTemplate,
  }),

  'POST /blackout-windows': createRoute({
    body: CreateBlackoutRequestSchema,
    schema: BlackoutWindowSchema,
    path: '/blackout-windows',
    name: 'blackout',
    create: createBlackoutWindow,
  }),

  'GET /blackout-windows': async (request) => {
    const { cursor, limit, from, to } = parseQuery(request.event, ListBlackoutsQuerySchema);
    const range = { from: from ?? request.now, ...(to ? { to } : {}) };
    // Bound to the range as asked: a cursor goes on from where its page ended, whatever now is.
    const scope = { from, to };
    const page = await listBlackoutWindows(
      range,
      { limit, cursor: decodeCursor(cursor, scope) },
      request.principal,
    );
    return cursorPage(BlackoutListSchema, page, scope);
  },

  'GET /blackout-windows/{id}': async (request) =>
    json(
      200,
      BlackoutWindowSchema.parse(await getBlackoutWindow(resourceId(request), request.principal)),
    ),

  'DELETE /blackout-windows/{id}': async (request) => {
    await deleteBlackoutWindow(resourceId(request), contextOf(request));
    return noContent();
  },

  'POST /releases': createRoute({
    body: CreateReleaseRequestSchema,
    schema: ReleaseViewSchema,
    path: '/releases',
    name: 'release',
    create: createRelease,
  }),

  'GET /releases': async (request) => {
    const { cursor, limit } = parseQuery(request.event, PageQuerySchema);
    const scope = { list: 'releases' };
    const page = await listReleases(
      { limit, cursor: decodeCursor(cursor, scope) },
      request.principal,
    );
    return cursorPage(ReleaseListSchema, page, scope);
  },

  'GET /releases/{id}': async (request) =>
    versioned(
      200,
      ReleaseViewSchema,
      await getReleaseForPrincipal(releaseId(request), request.principal),
    ),

  'PATCH /releases/{id}': async (request) => {
    const id = releaseId(request);
    const patch = parseJsonBody(request.event, PatchReleaseRequestSchema);
    const release = await updateRelease(id, patch, contextOf(request), ifMatchOf(request));
    return versioned(200, ReleaseViewSchema, release);
  },

  'POST /releases/{id}/changes': async (request) => {
    const id = releaseId(request);
    const { changes } = parseJsonBody(request.event, ReleaseChangesRequestSchema);
    const release = await addReleaseChanges(
      id,
      changes,
      contextOf(request),
      optionalIfMatchOf(request),
    );
    return versioned(200, ReleaseViewSchema, release);
  },

  'DELETE /releases/{id}/changes/{changeId}': async (request) => {
    const { id, changeId } = pathParameters(request, ReleaseChangeParamSchema);
    const release = await removeReleaseChange(
      id,
      changeId,
      contextOf(request),
      optionalIfMatchOf(request),
    );
    return versioned(200, ReleaseViewSchema, release);
  },

  'GET /releases/{id}/history': pageOfResource(
    releaseId,
    'history',
    listReleaseHistory,
    HistoryListSchema,
  ),
};

export const handler = createHttpHandler(routes);
