import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
// The problem+json schema is the whole API's; it lives with the incident schemas for now.
import { ProblemSchema } from '../incident/schemas';
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
import { MAX_EDGES_PER_CI, MAX_IMPACT_CIS } from './use-cases';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});
const ok = (description: string, schema: z.ZodType, withEtag = false) => ({
  description,
  content: { 'application/json': { schema } },
  ...(withEtag
    ? {
        headers: {
          ETag: {
            description: 'Version tag of the CI, for If-Match',
            schema: { type: 'string' as const },
          },
        },
      }
    : {}),
});
const jsonBody = (schema: z.ZodType) => ({
  content: { 'application/json': { schema } },
  required: true,
});
const commonErrors = {
  400: problem('Invalid input: the problem lists each field and what was expected'),
  401: problem('No valid token'),
  403: problem('Reading needs a role or cmdb.read; changing needs agent, admin or cmdb.write'),
  404: problem('Unknown CI'),
};

/** Documents every CMDB route; keyed by route key so none can be left out. */
const documentation: Record<CmdbRouteKey, Omit<RouteConfig, 'method' | 'path'>> = {
  'POST /cis': {
    summary: 'Create a configuration item',
    request: { body: jsonBody(CreateCiRequestSchema) },
    responses: { 201: ok('Created', CiSchema, true), ...commonErrors },
  },
  'GET /cis': {
    summary: 'List configuration items',
    description:
      'Newest first. ownerGroup or lifecycleState pick an index; ciClass filters the page, so a page may hold fewer than `limit` items while `nextCursor` is not null.',
    request: { query: ListCisQuerySchema },
    responses: { 200: ok('A page of CIs', CiListSchema), ...commonErrors },
  },
  'POST /cis/import': {
    summary: 'Import AWS Config configuration items',
    description:
      'Upserts each item under an id derived from account, region, type and resource id. An item captured before the stored state is ignored (stale); an unchanged item is not written (unchanged). Relationships are added on both ends; those to resources not imported yet are reported as warnings. Re-importing changes nothing.',
    request: { body: jsonBody(ImportRequestSchema) },
    responses: { 200: ok('One result per item, in order', ImportResultSchema), ...commonErrors },
  },
  'GET /cis/{id}': {
    summary: 'Get a configuration item',
    request: { params: CiIdParamSchema },
    responses: { 200: ok('The CI', CiSchema, true), ...commonErrors },
  },
  'PATCH /cis/{id}': {
    summary: 'Update fields of a configuration item',
    request: {
      params: CiIdParamSchema,
      headers: z.object({ 'If-Match': z.string() }),
      body: jsonBody(PatchCiRequestSchema),
    },
    responses: {
      200: ok('The updated CI', CiSchema, true),
      ...commonErrors,
      409: problem('The lifecycle transition is not allowed; allowedActions lists those that are'),
      412: problem('The CI changed since the ETag was read'),
      428: problem('If-Match is missing'),
    },
  },
  'GET /cis/{id}/relationships': {
    summary: 'List the relationships of a CI, read from it',
    request: { params: CiIdParamSchema },
    responses: { 200: ok('All relationships of the CI', RelationshipListSchema), ...commonErrors },
  },
  'POST /cis/{id}/relationships': {
    summary: 'Relate a CI to another',
    description: `Either form of a pair is accepted (app runs_on server = server runs app); the fact is stored once on both ends. At most ${MAX_EDGES_PER_CI} relationships per CI.`,
    request: { params: CiIdParamSchema, body: jsonBody(RelationshipRequestSchema) },
    responses: {
      201: ok('The relationship', RelationshipSchema),
      ...commonErrors,
      409: problem('The relationship exists already, in either form'),
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
      200: ok('Impacted CIs and services with their paths', ImpactSchema),
      ...commonErrors,
    },
  },
};

export function registerCmdbApi(registry: OpenAPIRegistry): void {
  for (const [routeKey, route] of Object.entries(documentation)) {
    const [method, path] = routeKey.split(' ') as [string, string];
    registry.registerPath({
      ...route,
      method: method.toLowerCase() as RouteConfig['method'],
      path,
      tags: ['CMDB'],
      security: [{ jwt: [] }],
    });
  }
}
