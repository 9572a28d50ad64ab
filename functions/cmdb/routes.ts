/**
 * The CMDB API's routes, as HTTP API route keys. The CDK construct creates exactly these
 * routes and the handlers' routers serve exactly these, so they cannot drift apart.
 */
export const CMDB_ROUTES = [
  'POST /cis',
  'GET /cis',
  'POST /cis/import',
  'GET /cis/{id}',
  'PATCH /cis/{id}',
  'GET /cis/{id}/relationships',
  'POST /cis/{id}/relationships',
  'DELETE /cis/{id}/relationships/{type}/{target}',
  'GET /cis/{id}/impact',
] as const;

export type CmdbRouteKey = (typeof CMDB_ROUTES)[number];

/**
 * Served by a function of their own (functions/cmdb/import-api.ts): the AWS Config mapping
 * stays out of the CMDB API's bundle, and an import may run longer than the other requests.
 */
export const CMDB_IMPORT_ROUTES = ['POST /cis/import'] as const satisfies readonly CmdbRouteKey[];

export type CmdbImportRouteKey = (typeof CMDB_IMPORT_ROUTES)[number];
export type CmdbApiRouteKey = Exclude<CmdbRouteKey, CmdbImportRouteKey>;

/** Served by the CMDB API function (functions/cmdb/api.ts). */
export const CMDB_API_ROUTES = CMDB_ROUTES.filter(
  (route): route is CmdbApiRouteKey => !(CMDB_IMPORT_ROUTES as readonly string[]).includes(route),
);
