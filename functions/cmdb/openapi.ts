import {
  jsonBody,
  jsonResponse,
  type OpenApiRegistry,
  problemResponse,
  type RouteDocumentation,
  registerRoutes,
} from '../../shared/http/openapi';
import { IDEMPOTENT_RETRIES, IdempotencyKeyHeaders } from '../../shared/http/schemas';
import * as z from '../../shared/zod';
import { MAX_EDGES_PER_CI, MAX_IMPACT_CIS } from './limits';
import type { CmdbRouteKey } from './routes';
import {
  CiIdParamSchema,
  CiListSchema,
  CiSchema,
  CreateCiRequestSchema,
  ImpactQuerySchema,
  ImpactSchema,
  ImportRequestSchema,
  ImportResultSchema,
  ListCisQuerySchema,
  PatchCiRequestSchema,
  RelationshipListSchema,
  RelationshipParamsSchema,
  RelationshipRequestSchema,
  RelationshipSchema,
} from './schemas';

const etag = { ETag: 'Version tag of the CI, for If-Match' };
const commonErrors = {
  400: problemResponse('Invalid input: the problem lists each field and what was expected'),
  401: problemResponse('No valid token'),
  403: problemResponse(
    'Reading needs a role or cmdb.read; changing needs agent, admin or cmdb.write',
  ),
  404: problemResponse('Unknown CI'),
};

/** Documents every CMDB route; keyed by route key so none can be left out. */
const documentation: Record<CmdbRouteKey, RouteDocumentation> = {
  'POST /cis': {
    summary: 'Create a configuration item',
    description: IDEMPOTENT_RETRIES,
    request: { headers: IdempotencyKeyHeaders, body: jsonBody(CreateCiRequestSchema) },
    responses: {
      201: jsonResponse('Created', CiSchema, etag),
      ...commonErrors,
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /cis': {
    summary: 'List configuration items',
    description:
      'Newest first. ownerGroup or lifecycleState pick an index; ciClass filters the page, so a page may hold fewer than `limit` items while `nextCursor` is not null.',
    request: { query: ListCisQuerySchema },
    responses: { 200: jsonResponse('A page of CIs', CiListSchema), ...commonErrors },
  },
  'POST /cis/import': {
    summary: 'Import AWS Config configuration items',
    description:
      'Upserts each item under an id derived from account, region, type and resource id. An item captured before the stored state is ignored (stale); an unchanged item is not written (unchanged). Relationships are added on both ends; those to resources not imported yet are reported as warnings. Re-importing changes nothing.',
    request: { body: jsonBody(ImportRequestSchema) },
    responses: {
      200: jsonResponse('One result per item, in order', ImportResultSchema),
      ...commonErrors,
    },
  },
  'GET /cis/{id}': {
    summary: 'Get a configuration item',
    request: { params: CiIdParamSchema },
    responses: { 200: jsonResponse('The CI', CiSchema, etag), ...commonErrors },
  },
  'PATCH /cis/{id}': {
    summary: 'Update fields of a configuration item',
    request: {
      params: CiIdParamSchema,
      headers: z.object({ 'If-Match': z.string() }),
      body: jsonBody(PatchCiRequestSchema),
    },
    responses: {
      200: jsonResponse('The updated CI', CiSchema, etag),
      ...commonErrors,
      409: problemResponse(
        'The lifecycle transition is not allowed; allowedActions lists those that are',
      ),
      412: problemResponse('The CI changed since the ETag was read'),
      428: problemResponse('If-Match is missing'),
    },
  },
  'GET /cis/{id}/relationships': {
    summary: 'List the relationships of a CI, read from it',
    request: { params: CiIdParamSchema },
    responses: {
      200: jsonResponse('All relationships of the CI', RelationshipListSchema),
      ...commonErrors,
    },
  },
  'POST /cis/{id}/relationships': {
    summary: 'Relate a CI to another',
    description: `Either form of a pair is accepted (app runs_on server = server runs app); the fact is stored once on both ends. At most ${MAX_EDGES_PER_CI} relationships per CI.`,
    request: { params: CiIdParamSchema, body: jsonBody(RelationshipRequestSchema) },
    responses: {
      201: jsonResponse('The relationship', RelationshipSchema),
      ...commonErrors,
      409: problemResponse('The relationship exists already, in either form'),
    },
  },
  'DELETE /cis/{id}/relationships/{type}/{target}': {
    summary: 'Remove a relationship from both ends',
    request: { params: RelationshipParamsSchema },
    responses: { 204: { description: 'Removed' }, ...commonErrors },
  },
  'GET /cis/{id}/impact': {
    summary: 'What fails with this CI',
    description: `Follows the relationships along which failure travels, with redundancy groups (clusters with minimumUp) down only when too few members are up. Loads at most ${MAX_IMPACT_CIS} CIs; beyond, or beyond maxDepth, the result is truncated.`,
    request: { params: CiIdParamSchema, query: ImpactQuerySchema },
    responses: {
      200: jsonResponse('Impacted CIs and services with their paths', ImpactSchema),
      ...commonErrors,
    },
  },
};

export function registerCmdbApi(registry: OpenApiRegistry): void {
  registerRoutes(registry, 'CMDB', documentation);
}
