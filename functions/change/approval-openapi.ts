import {
  jsonBody,
  jsonResponse,
  type OpenApiRegistry,
  problemResponse,
  type RouteDocumentation,
  registerRoutes,
} from '../../shared/http/openapi';
import { IDEMPOTENT_RETRIES, IdempotencyKeyHeaders } from '../../shared/http/schemas';
import type { ApprovalRouteKey } from './approval-routes';
import {
  ChangeApprovalParamSchema,
  ChangeApprovalsParamSchema,
  ChangeApprovalsSchema,
  DelegationListSchema,
  DelegationParamSchema,
  DelegationRequestSchema,
  DelegationSchema,
  VoteRequestSchema,
} from './approval-schemas';

const unauthenticated = { 401: problemResponse('No valid token') };
const invalid = {
  400: problemResponse('Invalid input: the problem lists each field and what was expected'),
};
const peopleOnly = { 403: problemResponse('Machine clients do not delegate approvals') };

/** Documents every approvals route; keyed by route key so none can be left out. */
const documentation: Record<ApprovalRouteKey, RouteDocumentation> = {
  'GET /changes/{id}/approvals': {
    summary: "The approvals of a change's latest authorization, with their votes",
    description:
      'Visible to those who may view changes, and to the approvers and their delegates. `status` is pending until the votes or the deadline decide; `recorded` once the approval workflow has moved the change to Scheduled or back to New.',
    request: { params: ChangeApprovalsParamSchema },
    responses: {
      200: jsonResponse('The approvals', ChangeApprovalsSchema),
      ...unauthenticated,
      404: problemResponse('Unknown change, never submitted, or not visible to the caller'),
    },
  },
  'POST /changes/{id}/approvals/{approvalId}': {
    summary: 'Vote on an approval: approve or reject',
    description:
      'By the approver, or by their delegate during the delegation. Approvers may change their vote until the decision: their last vote counts. A vote that decides ends the waiting of every other approval; the workflow then records the decision on the change (Scheduled, or New with the reasons) and publishes ChangeApproved or ChangeRejected. With Idempotency-Key a retried vote is not cast again: it answers the approvals as they are now (Idempotent-Replayed: true), even once decided; the same key with another ballot is 422.',
    request: {
      params: ChangeApprovalParamSchema,
      headers: IdempotencyKeyHeaders,
      body: jsonBody(VoteRequestSchema),
    },
    responses: {
      200: jsonResponse('The approvals after the vote', ChangeApprovalsSchema),
      ...invalid,
      ...unauthenticated,
      403: problemResponse('The caller is neither the approver nor their delegate at this time'),
      404: problemResponse('No such approval on the change'),
      409: problemResponse(
        'The authorization was decided (by votes or the deadline) or withdrawn, or is still opening',
      ),
      422: problemResponse('Idempotency-Key reused with a different ballot'),
    },
  },
  'POST /approval-delegations': {
    summary: 'Let a delegate vote on your approvals for a bounded period',
    description: `From \`from\` (default now) until \`to\`, at most 90 days. Delegation does not cascade: only your own delegations let someone vote for you. You keep your own vote meanwhile; the later of the two votes counts. ${IDEMPOTENT_RETRIES}`,
    request: { headers: IdempotencyKeyHeaders, body: jsonBody(DelegationRequestSchema) },
    responses: {
      201: jsonResponse('The delegation', DelegationSchema, {
        Location: 'URL of the delegation',
      }),
      ...invalid,
      ...unauthenticated,
      ...peopleOnly,
      422: problemResponse('Idempotency-Key reused with a different body'),
    },
  },
  'GET /approval-delegations': {
    summary: 'Your delegations, given and received',
    responses: {
      200: jsonResponse('The latest 100 of each, newest first', DelegationListSchema),
      ...unauthenticated,
      ...peopleOnly,
    },
  },
  'DELETE /approval-delegations/{id}': {
    summary: 'Revoke one of your delegations',
    description: 'The delegate can no longer vote for you; votes cast meanwhile stand.',
    request: { params: DelegationParamSchema },
    responses: {
      200: jsonResponse('The revoked delegation', DelegationSchema),
      ...unauthenticated,
      ...peopleOnly,
      404: problemResponse('You have no such delegation'),
    },
  },
};

export function registerApprovalApi(registry: OpenApiRegistry): void {
  registerRoutes(registry, 'Change approvals', documentation);
}
