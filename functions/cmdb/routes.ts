/**
 * The CMDB API's routes, as HTTP API route keys. The CDK construct creates exactly these
 * routes and the handler's router serves exactly these, so they cannot drift apart.
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
