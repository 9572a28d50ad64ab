/**
 * The incident API's routes, as HTTP API route keys. The CDK stack creates exactly these
 * routes and the handler's router serves exactly these, so they cannot drift apart.
 */
export const INCIDENT_ROUTES = [
  'POST /incidents',
  'GET /incidents',
  'GET /incidents/{id}',
  'PATCH /incidents/{id}',
  'POST /incidents/{id}/transitions',
  'GET /incidents/{id}/comments',
  'POST /incidents/{id}/comments',
  'GET /incidents/{id}/history',
  'GET /incidents/{id}/children',
] as const;

export type IncidentRouteKey = (typeof INCIDENT_ROUTES)[number];

/** Served without authentication, so that clients can discover the API. */
export const API_DOCS_ROUTES = ['GET /openapi.json'] as const;
