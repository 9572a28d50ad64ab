import { ValidationError } from '../../shared/errors';
import {
  type ApiRequest,
  contextOf,
  createHttpHandler,
  type RouteHandler,
} from '../../shared/http/handler';
import { idempotencyKey, parseJsonBody } from '../../shared/http/request';
import { createRoute } from '../../shared/http/resource-routes';
import { json } from '../../shared/http/responses';
import type * as z from '../../shared/zod';
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
import {
  delegateApprovals,
  getApprovals,
  listDelegations,
  revokeApprovalDelegation,
  voteOnApproval,
} from './approval-use-cases';

function params<S extends z.ZodMiniType>(request: ApiRequest, schema: S): z.output<S> {
  const parsed = schema.safeParse(request.pathParameters);
  if (!parsed.success) {
    throw new ValidationError([{ field: '(path)', message: 'expected the ids of the path' }]);
  }
  return parsed.data;
}

const routes: Record<ApprovalRouteKey, RouteHandler> = {
  'GET /changes/{id}/approvals': async (request) => {
    const { id } = params(request, ChangeApprovalsParamSchema);
    const view = await getApprovals(id, request.principal, request.now);
    return json(200, ChangeApprovalsSchema.parse(view));
  },

  'POST /changes/{id}/approvals/{approvalId}': async (request) => {
    const { id, approvalId } = params(request, ChangeApprovalParamSchema);
    const ballot = parseJsonBody(request.event, VoteRequestSchema);
    const { approvals, replayed } = await voteOnApproval(
      id,
      approvalId,
      ballot,
      contextOf(request),
      idempotencyKey(request.event),
    );
    return json(
      200,
      ChangeApprovalsSchema.parse(approvals),
      replayed ? { 'idempotent-replayed': 'true' } : {},
    );
  },

  'POST /approval-delegations': createRoute({
    body: DelegationRequestSchema,
    schema: DelegationSchema,
    path: '/approval-delegations',
    name: 'delegation',
    create: delegateApprovals,
  }),

  'GET /approval-delegations': async (request) =>
    json(200, DelegationListSchema.parse(await listDelegations(request.principal, request.now))),

  'DELETE /approval-delegations/{id}': async (request) => {
    const { id } = params(request, DelegationParamSchema);
    const delegation = await revokeApprovalDelegation(id, contextOf(request));
    return json(200, DelegationSchema.parse(delegation));
  },
};

/** The approvals API: votes on a change's approvals, and delegations. */
export const handler = createHttpHandler(routes);
