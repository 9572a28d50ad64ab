import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { CiSnapshot } from '../../shared/events/cmdb';
import { decodeCursor } from '../../shared/http/cursor';
import {
  type ApiRequest,
  contextOf,
  createHttpHandler,
  type RouteHandler,
} from '../../shared/http/handler';
import {
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
import { validationErrorFrom } from '../../shared/validation';
import type * as z from '../../shared/zod';
import type { CmdbApiRouteKey } from './routes';
import {
  CiIdParamSchema,
  CiListSchema,
  CiSchema,
  CreateCiRequestSchema,
  ImpactQuerySchema,
  ImpactSchema,
  ListCisQuerySchema,
  PatchCiRequestSchema,
  RelationshipListSchema,
  RelationshipParamsSchema,
  RelationshipRequestSchema,
  RelationshipSchema,
} from './schemas';
import {
  addRelationship,
  createCi,
  getCiForPrincipal,
  impactOf,
  listCis,
  listRelationships,
  removeRelationship,
  updateCi,
} from './use-cases';

/** Path parameters arrive URL-decoded from API Gateway; an invalid one is a 400 on its name. */
function pathParameters<S extends z.ZodMiniType>(request: ApiRequest, schema: S): z.output<S> {
  const parsed = schema.safeParse(request.pathParameters);
  if (!parsed.success) throw validationErrorFrom(parsed.error, 'path');
  return parsed.data;
}

const ciId = (request: ApiRequest) => pathParameters(request, CiIdParamSchema).id;

function noContent(): HttpResponse {
  return { statusCode: 204, headers: {} };
}

const ifMatch = (event: APIGatewayProxyEventV2) => (current: CiSnapshot) => {
  requireIfMatch(event, current.id, current.version);
};

const routes: Record<CmdbApiRouteKey, RouteHandler> = {
  'POST /cis': async (request) => {
    const body = parseJsonBody(request.event, CreateCiRequestSchema);
    const { ci, replayed } = await createCi(
      body,
      contextOf(request),
      idempotencyKey(request.event),
    );
    return versioned(201, CiSchema, ci, createdHeaders(`/cis/${ci.id}`, replayed));
  },

  'GET /cis': async (request) => {
    const { cursor, limit, ...filters } = parseQuery(request.event, ListCisQuerySchema);
    const page = await listCis(
      { ...filters, limit, cursor: decodeCursor(cursor, filters) },
      request.principal,
    );
    return cursorPage(CiListSchema, page, filters);
  },

  'GET /cis/{id}': async (request) =>
    versioned(200, CiSchema, await getCiForPrincipal(ciId(request), request.principal)),

  'PATCH /cis/{id}': async (request) => {
    const id = ciId(request);
    const patch = parseJsonBody(request.event, PatchCiRequestSchema);
    return versioned(
      200,
      CiSchema,
      await updateCi(id, patch, contextOf(request), ifMatch(request.event)),
    );
  },

  'GET /cis/{id}/relationships': async (request) => {
    const items = await listRelationships(ciId(request), request.principal);
    return json(200, RelationshipListSchema.parse({ items }));
  },

  'POST /cis/{id}/relationships': async (request) => {
    const id = ciId(request);
    const body = parseJsonBody(request.event, RelationshipRequestSchema);
    const relationship = await addRelationship(id, body, contextOf(request));
    return json(201, RelationshipSchema.parse(relationship), {
      location: `/cis/${id}/relationships/${relationship.type}/${encodeURIComponent(relationship.target)}`,
    });
  },

  'DELETE /cis/{id}/relationships/{type}/{target}': async (request) => {
    const { id, type, target } = pathParameters(request, RelationshipParamsSchema);
    await removeRelationship(id, { type, target }, contextOf(request));
    return noContent();
  },

  'GET /cis/{id}/impact': async (request) => {
    const id = ciId(request);
    const { maxDepth } = parseQuery(request.event, ImpactQuerySchema);
    return json(200, ImpactSchema.parse(await impactOf(id, maxDepth, request.principal)));
  },
};

/** Every CMDB route but the import, which import-api.ts serves. */
export const handler = createHttpHandler(routes);
