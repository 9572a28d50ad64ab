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
import {
  createdHeaders,
  cursorPage,
  type HttpResponse,
  json,
  versioned,
} from '../../shared/http/responses';
import { CommentListSchema, HistoryListSchema, PageQuerySchema } from '../../shared/http/schemas';
import { validationErrorFrom } from '../../shared/validation';
import type * as z from '../../shared/zod';
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

/** Path parameters arrive URL-decoded from API Gateway; an invalid one is a 400 on its name. */
function pathParameters<S extends z.ZodMiniType>(request: ApiRequest, schema: S): z.output<S> {
  const parsed = schema.safeParse(request.pathParameters);
  if (!parsed.success) throw validationErrorFrom(parsed.error, 'path');
  return parsed.data;
}

const changeId = (request: ApiRequest) => pathParameters(request, ChangeIdParamSchema).id;
const resourceId = (request: ApiRequest) => pathParameters(request, ResourceIdParamSchema).id;
const releaseId = (request: ApiRequest) => pathParameters(request, ReleaseIdParamSchema).id;

/** If-Match when sent: adding or removing changes may go without it, as transitions may. */
const optionalIfMatch = (request: ApiRequest) =>
  header(request.event, 'if-match') ? ifMatch(request) : undefined;

const ifMatch =
  (request: ApiRequest) =>
  (current: { id: string; version: number }): void => {
    requireIfMatch(request.event, current.id, current.version);
  };

function noContent(): HttpResponse {
  return { statusCode: 204, headers: {} };
}

const routes: Record<ChangeRouteKey, RouteHandler> = {
  'POST /changes': async (request) => {
    const body = parseJsonBody(request.event, CreateChangeRequestSchema);
    const { change, replayed } = await createChange(
      body,
      contextOf(request),
      idempotencyKey(request.event),
    );
    return versioned(201, ChangeSchema, change, createdHeaders(`/changes/${change.id}`, replayed));
  },

  'GET /changes': async (request) => {
    const { cursor, limit, ...filters } = parseQuery(request.event, ListChangesQuerySchema);
    const page = await listChanges(
      { ...filters, limit, cursor: decodeCursor(cursor, filters) },
      request.principal,
    );
    return cursorPage(ChangeListSchema, page, filters);
  },

  'GET /changes/calendar': async (request) => {
    const { cursor, limit, ...range } = parseQuery(request.event, CalendarQuerySchema);
    const page = await calendar(
      range,
      { limit, cursor: decodeCursor(cursor, range) },
      request.principal,
    );
    return cursorPage(CalendarSchema, page, range);
  },

  'GET /changes/{id}': async (request) =>
    versioned(200, ChangeSchema, await getChangeForPrincipal(changeId(request), request.principal)),

  'PATCH /changes/{id}': async (request) => {
    const id = changeId(request);
    const patch = parseJsonBody(request.event, PatchChangeRequestSchema);
    const change = await updateChange(id, patch, contextOf(request), ifMatch(request));
    return versioned(200, ChangeSchema, change);
  },

  'POST /changes/{id}/transitions': async (request) => {
    const id = changeId(request);
    const command = parseJsonBody(request.event, ChangeTransitionRequestSchema);
    const change = await transitionChange(
      id,
      command,
      contextOf(request),
      optionalIfMatch(request),
    );
    return versioned(200, ChangeSchema, change);
  },

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

  'POST /changes/{id}/comments': async (request) => {
    const id = changeId(request);
    const { body } = parseJsonBody(request.event, ChangeCommentRequestSchema);
    const comment = await addComment(id, body, contextOf(request));
    return json(201, comment, { location: `/changes/${id}/comments` });
  },

  'GET /changes/{id}/history': pageOfResource(
    changeId,
    'history',
    listChangeHistory,
    HistoryListSchema,
  ),

  'POST /change-templates': async (request) => {
    const body = parseJsonBody(request.event, CreateTemplateRequestSchema);
    const template = await createTemplate(body, contextOf(request));
    return versioned(201, TemplateSchema, template, {
      location: `/change-templates/${template.id}`,
    });
  },

  'GET /change-templates': async (request) => {
    const { cursor, limit, ...filters } = parseQuery(request.event, ListTemplatesQuerySchema);
    const page = await listTemplates(
      { ...filters, limit, cursor: decodeCursor(cursor, filters) },
      request.principal,
    );
    return cursorPage(TemplateListSchema, page, filters);
  },

  'GET /change-templates/{id}': async (request) =>
    versioned(
      200,
      TemplateSchema,
      await getTemplateForPrincipal(resourceId(request), request.principal),
    ),

  'PATCH /change-templates/{id}': async (request) => {
    const id = resourceId(request);
    const patch = parseJsonBody(request.event, PatchTemplateRequestSchema);
    const template = await updateTemplate(id, patch, contextOf(request), ifMatch(request));
    return versioned(200, TemplateSchema, template);
  },

  'POST /blackout-windows': async (request) => {
    const body = parseJsonBody(request.event, CreateBlackoutRequestSchema);
    const blackout = await createBlackoutWindow(body, contextOf(request));
    return json(201, BlackoutWindowSchema.parse(blackout), {
      location: `/blackout-windows/${blackout.id}`,
    });
  },

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

  'POST /releases': async (request) => {
    const body = parseJsonBody(request.event, CreateReleaseRequestSchema);
    const { release, replayed } = await createRelease(
      body,
      contextOf(request),
      idempotencyKey(request.event),
    );
    return versioned(
      201,
      ReleaseViewSchema,
      release,
      createdHeaders(`/releases/${release.id}`, replayed),
    );
  },

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
    const release = await updateRelease(id, patch, contextOf(request), ifMatch(request));
    return versioned(200, ReleaseViewSchema, release);
  },

  'POST /releases/{id}/changes': async (request) => {
    const id = releaseId(request);
    const { changes } = parseJsonBody(request.event, ReleaseChangesRequestSchema);
    const release = await addReleaseChanges(
      id,
      changes,
      contextOf(request),
      optionalIfMatch(request),
    );
    return versioned(200, ReleaseViewSchema, release);
  },

  'DELETE /releases/{id}/changes/{changeId}': async (request) => {
    const { id, changeId } = pathParameters(request, ReleaseChangeParamSchema);
    const release = await removeReleaseChange(
      id,
      changeId,
      contextOf(request),
      optionalIfMatch(request),
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
