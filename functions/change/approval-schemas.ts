import {
  ApprovalDecisionRecordSchema,
  ApprovalPathSchema,
  ApprovalPolicySchema,
  VoteChoiceSchema,
  VoteSchema,
} from '../../shared/events/changes';
import { reference, text } from '../../shared/http/schemas';
import * as z from '../../shared/zod';

/**
 * The approvals API's request and response schemas: validation at the edge and the source of
 * the OpenAPI document. Request bodies are strict.
 */
const id = z.string().check(z.minLength(1), z.maxLength(128));

export const ChangeApprovalsParamSchema = z.object({
  id: id.check(z.describe('The change id or number (CHG…)')),
});

export const ChangeApprovalParamSchema = z.extend(ChangeApprovalsParamSchema, {
  approvalId: id.check(z.describe('The approval id, from GET /changes/{id}/approvals')),
});

export const DelegationParamSchema = z.object({ id: id.check(z.describe('The delegation id')) });

export const VoteRequestSchema = z
  .strictObject({
    decision: VoteChoiceSchema,
    comment: z.optional(text(4000)).check(z.describe('Required to reject: say why')),
  })
  .check(z.meta({ id: 'VoteRequest' }));

export const ApprovalSchema = z
  .object({
    id: z
      .string()
      .check(z.describe('The approval id: vote on it with POST …/approvals/{approvalId}')),
    approverId: z.string(),
    groups: z.array(z.string()).check(z.describe('The groups the approver answers for')),
    vote: z
      .optional(VoteChoiceSchema)
      .check(z.describe('The current vote (the last cast); absent: none')),
    comment: z.optional(z.string()),
    castBy: z
      .optional(z.string())
      .check(z.describe('The approver, or the delegate who voted for them')),
    castAt: z.optional(z.iso.datetime()),
    votes: z.array(VoteSchema).check(z.describe('Every vote cast on this approval, in order')),
  })
  .check(z.meta({ id: 'Approval' }));

export const ChangeApprovalsSchema = z
  .object({
    changeId: z.string(),
    changeNumber: z.string(),
    planId: z.string(),
    path: ApprovalPathSchema,
    policy: ApprovalPolicySchema,
    reasons: z.array(z.string()).check(z.describe('Why these approvers')),
    requestedAt: z.iso.datetime(),
    remindAt: z.iso.datetime().check(z.describe('When those who have not voted are reminded')),
    deadline: z.iso.datetime().check(z.describe("When the policy's timeout outcome decides")),
    status: z.enum(['pending', 'approved', 'rejected', 'withdrawn']),
    decision: z.optional(ApprovalDecisionRecordSchema),
    recorded: z
      .boolean()
      .check(z.describe('The workflow has recorded the decision (the change is Scheduled or New)')),
    approvals: z.array(ApprovalSchema),
  })
  .check(
    z.meta({
      id: 'ChangeApprovals',
      description: "The approvals of the change's latest authorization, with their votes.",
    }),
  );

export const DelegationRequestSchema = z
  .strictObject({
    delegate: reference.check(z.describe('Who votes for you meanwhile')),
    from: z.optional(z.iso.datetime()).check(z.describe('Default: now')),
    to: z.iso.datetime().check(z.describe('The end (exclusive); at most 90 days after from')),
    reason: z.optional(text(500)),
  })
  .check(z.meta({ id: 'DelegationRequest' }));

export const DelegationSchema = z
  .object({
    id: z.string(),
    delegator: z.string(),
    delegate: z.string(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    reason: z.optional(z.string()),
    createdAt: z.iso.datetime(),
    revokedAt: z.optional(z.iso.datetime()),
    status: z.enum(['scheduled', 'active', 'ended', 'revoked']),
  })
  .check(z.meta({ id: 'ApprovalDelegation' }));

export const DelegationListSchema = z
  .object({
    given: z.array(DelegationSchema).check(z.describe('Yours to others, newest first')),
    received: z.array(DelegationSchema).check(z.describe("Others' to you, newest first")),
  })
  .check(z.meta({ id: 'ApprovalDelegationList' }));
