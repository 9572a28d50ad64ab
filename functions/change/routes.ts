/**
 * The change API's routes, as HTTP API route keys. The CDK construct creates exactly these
 * routes and the handler's router serves exactly these, so they cannot drift apart. The
 * approval votes (`/changes/{id}/approvals/...`) have their own route list and function.
 */
export const CHANGE_ROUTES = [
  'POST /changes',
  'GET /changes',
  'GET /changes/calendar',
  'GET /changes/{id}',
  'PATCH /changes/{id}',
  'POST /changes/{id}/transitions',
  'GET /changes/{id}/conflicts',
  'GET /changes/{id}/comments',
  'POST /changes/{id}/comments',
  'GET /changes/{id}/history',
  'POST /change-templates',
  'GET /change-templates',
  'GET /change-templates/{id}',
  'PATCH /change-templates/{id}',
  'POST /blackout-windows',
  'GET /blackout-windows',
  'GET /blackout-windows/{id}',
  'DELETE /blackout-windows/{id}',
] as const;

/** Releases: groups of changes with a target window, served by the change API's function. */
export const RELEASE_ROUTES = [
  'POST /releases',
  'GET /releases',
  'GET /releases/{id}',
  'PATCH /releases/{id}',
  'POST /releases/{id}/changes',
  'DELETE /releases/{id}/changes/{changeId}',
  'GET /releases/{id}/history',
] as const;

/** The CI/CD pipelines' gate, served by the change API's function. */
export const GATE_ROUTES = ['POST /changes/gate'] as const;

/** Every route the change API's function serves. */
export const CHANGE_API_ROUTES = [...CHANGE_ROUTES, ...RELEASE_ROUTES, ...GATE_ROUTES] as const;

export type ChangeRouteKey = (typeof CHANGE_API_ROUTES)[number];
