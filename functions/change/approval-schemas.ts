import * as z from 'zod';
import {
  ApprovalDecisionRecordSchema,
  ApprovalPathSchema,
  ApprovalPolicySchema,
  VoteChoiceSchema,
  VoteSchema,
} from '../../shared/events/changes';
import { reference, text } from '../../shared/http/schemas';

/**
 * The approvals API's request and response schemas: validation at the edge and the source of
 * the OpenAPI document. Request bodies are strict.
 */
const id = z.string().min(1).max(128);

export const ChangeApprovalsParamSchema = z.object({
  id: id.describe('The change id or number (CHG…)'),
});

export const ChangeApprovalParamSchema = ChangeApprovalsParamSchema.extend({
  approvalId: id.describe('The approval id, from GET /changes/{id}/approvals'),
});

export const DelegationParamSchema = z.object({ id: id.describe('The delegation id') });

export const VoteRequestSchema = z
  .strictObject({
    decision: VoteChoiceSchema,
    comment: text(4000).optional().describe('Required to reject: say why'),
  })
  .meta({ id: 'VoteRequest' });

export const ApprovalSchema = z
  .object({
    id: z.string().describe('The approval id: vote on it with POST …/approvals/{approvalId}'),
    approverId: z.string(),
    groups: z.array(z.string()).describe('The groups the approver answers for'),
    vote: VoteChoiceSchema.optional().describe('The current vote (the last cast); absent: none'),
    comment: z.string().optional(),
    castBy: z.string().optional().describe('The approver, or the delegate who voted for them'),
    castAt: z.iso.datetime().optional(),
    votes: z.array(VoteSchema).describe('Every vote cast on this approval, in order'),
  })
  .meta({ id: 'Approval' });

export const ChangeApprovalsSchema = z
  .object({
    changeId: z.string(),
    changeNumber: z.string(),
    planId: z.string(),
    path: ApprovalPathSchema,
    policy: ApprovalPolicySchema,
    reasons: z.array(z.string()).describe('Why these approvers'),
    requestedAt: z.iso.datetime(),
    remindAt: z.iso.datetime().describe('When those who have not voted are reminded'),
    deadline: z.iso.datetime().describe("When the policy's timeout outcome decides"),
    status: z.enum(['pending', 'approved', 'rejected', 'withdrawn']),
    decision: ApprovalDecisionRecordSchema.optional(),
    recorded: z
      .boolean()
      .describe('The workflow has recorded the decision (the change is Scheduled or New)'),
    approvals: z.array(ApprovalSchema),
  })
  .meta({
    id: 'ChangeApprovals',
    description: "The approvals of the change's latest authorization, with their votes.",
  });

export const DelegationRequestSchema = z
  .strictObject({
    delegate: reference.describe('Who votes for you meanwhile'),
    from: z.iso.datetime().optional().describe('Default: now'),
    to: z.iso.datetime().describe('The end (exclusive); at most 90 days after from'),
    reason: text(500).optional(),
  })
  .meta({ id: 'DelegationRequest' });

export const DelegationSchema = z
  .object({
    id: z.string(),
    delegator: z.string(),
    delegate: z.string(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    reason: z.string().optional(),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().optional(),
    status: z.enum(['scheduled', 'active', 'ended', 'revoked']),
  })
  .meta({ id: 'ApprovalDelegation' });

export const DelegationListSchema = z
  .object({
    given: z.array(DelegationSchema).describe('Yours to others, newest first'),
    received: z.array(DelegationSchema).describe("Others' to you, newest first"),
  })
  .meta({ id: 'ApprovalDelegationList' });
