import {
  type ApiRequest,
  contextOf,
  createHttpHandler,
  type RouteHandler,
} from '../../shared/http/handler';
import { parseJsonBody, parseQuery } from '../../shared/http/request';
import {
  createRoute,
  getRoute,
  listRoute,
  patchRoute,
  pathParameters,
} from '../../shared/http/resource-routes';
import { json, noContent } from '../../shared/http/responses';
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

const ciId = (request: ApiRequest) => pathParameters(request, CiIdParamSchema).id;

const routes: Record<CmdbApiRouteKey, RouteHandler> = {
  'POST /cis': createRoute({
    body: CreateCiRequestSchema,
    schema: CiSchema,
    path: '/cis',
    name: 'ci',
    create: createCi,
  }),

  'GET /cis': listRoute({ query: ListCisQuerySchema, schema: CiListSchema, list: listCis }),

  'GET /cis/{id}': getRoute({ id: ciId, schema: CiSchema, get: getCiForPrincipal }),

  'PATCH /cis/{id}': patchRoute({
    id: ciId,
    body: PatchCiRequestSchema,
    schema: CiSchema,
    update: updateCi,
  }),

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
