/**
 * The change API's routes, as HTTP API route keys. The CDK construct creates exactly these
 * routes and the handler's router serves exactly these, so they cannot drift apart. The
 * approval votes (`/changes/{id}/approvals/...`), releases and the pipeline gate have their
 * own route lists.
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

export type ChangeRouteKey = (typeof CHANGE_ROUTES)[number];
