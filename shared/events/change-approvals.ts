import * as z from '../zod';
import { ApprovalPathSchema, ApproverSchema, CHANGE_SOURCE } from './changes';
import { defineEvent } from './envelope';

/**
 * What the approval workflow publishes besides the change's own events (ChangeApproved and
 * ChangeRejected come from the change's transaction). Its aggregate is the approval plan, so
 * its event ids never collide with the change's sequence.
 */
export const CHANGE_APPROVAL_AGGREGATE = 'change-approval-plan';

/** The per-plan sequence numbers of the workflow's events: one reminder per plan. */
export const CHANGE_APPROVAL_EVENT_SEQUENCE = { reminder: 1 } as const;

/**
 * The reminder time of a plan has come and it is still undecided: remind `awaiting`, the
 * approvers who have not voted, before the deadline.
 */
export const ChangeApprovalReminderDue = defineEvent({
  source: CHANGE_SOURCE,
  detailType: 'ChangeApprovalReminderDue',
  version: 1,
  aggregateType: CHANGE_APPROVAL_AGGREGATE,
  data: z.object({
    changeId: z.string(),
    changeNumber: z.string(),
    planId: z.string(),
    path: ApprovalPathSchema,
    awaiting: z.array(ApproverSchema).check(z.minLength(1)),
    remindAt: z.iso.datetime(),
    deadline: z.iso.datetime(),
  }),
});
