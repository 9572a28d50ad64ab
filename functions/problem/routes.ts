/**
 * The problem API's routes, as HTTP API route keys. The CDK construct creates exactly these
 * routes and the handler's router serves exactly these, so they cannot drift apart.
 */
export const PROBLEM_ROUTES = [
  'POST /problems',
  'GET /problems',
  'GET /problems/{id}',
  'PATCH /problems/{id}',
  'POST /problems/{id}/transitions',
  'GET /problems/{id}/incidents',
  'POST /problems/{id}/incidents',
  'DELETE /problems/{id}/incidents/{incidentId}',
  'POST /problems/{id}/workaround-communications',
  'GET /problems/{id}/comments',
  'POST /problems/{id}/comments',
  'GET /problems/{id}/history',
] as const;

export type ProblemRouteKey = (typeof PROBLEM_ROUTES)[number];
