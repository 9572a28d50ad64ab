/**
 * The approvals API's routes, as HTTP API route keys: votes on a change's approvals and the
 * approvers' delegations. The CDK construct creates exactly these routes and the handler's
 * router serves exactly these.
 */
export const APPROVAL_ROUTES = [
  'GET /changes/{id}/approvals',
  'POST /changes/{id}/approvals/{approvalId}',
  'POST /approval-delegations',
  'GET /approval-delegations',
  'DELETE /approval-delegations/{id}',
] as const;

export type ApprovalRouteKey = (typeof APPROVAL_ROUTES)[number];
