import { Entity } from 'electrodb';
import { SERVICE } from '../../shared/db/entities';
import { listIndex, TABLE_KEYS } from '../../shared/db/table';

/**
 * Storage of the approval workflow (docs/changes.md, "Approval workflow"). A change's plans
 * and approvals share the change's partition (`changeId`), so one Query reads a plan's
 * approvals with their votes.
 */

export const ApprovalPlanStatuses = ['open', 'decided', 'withdrawn'] as const;

/**
 * One submission's approval plan, claimed by the first execution that starts for it (the
 * claim makes a redelivered event's execution end at once). Decided once the workflow has
 * recorded the decision, withdrawn when the change was canceled; no vote counts after that.
 */
export const approvalPlanEntity = new Entity({
  model: { entity: 'changeApprovalPlan', version: '1', service: SERVICE },
  attributes: {
    changeId: { type: 'string', required: true },
    planId: { type: 'string', required: true },
    changeNumber: { type: 'string', required: true },
    /** The ApprovalPlan the event carried (validated when read). */
    plan: { type: 'any', required: true },
    /** The execution that claimed the plan: only its retries may claim it again. */
    executionArn: { type: 'string', required: true },
    status: { type: ApprovalPlanStatuses, required: true },
    /** The ApprovalDecisionRecord, once decided. */
    decision: { type: 'any' },
    openedAt: { type: 'string', required: true },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['changeId'] },
      sk: { field: TABLE_KEYS.sortKey, composite: ['planId'] },
    },
  },
});

const voteAttributes = {
  approvalId: { type: 'string', required: true },
  approverId: { type: 'string', required: true },
  castBy: { type: 'string', required: true },
  vote: { type: ['approve', 'reject'] as const, required: true },
  comment: { type: 'string' },
  castAt: { type: 'string', required: true },
} as const;

/**
 * One approver's approval: every vote they (or their delegate) cast, in order, and the task
 * token of the workflow task waiting for their next vote.
 */
export const changeApprovalEntity = new Entity({
  model: { entity: 'changeApproval', version: '1', service: SERVICE },
  attributes: {
    changeId: { type: 'string', required: true },
    planId: { type: 'string', required: true },
    approvalId: { type: 'string', required: true },
    approverId: { type: 'string', required: true },
    groups: { type: 'list', required: true, items: { type: 'string' } },
    votes: {
      type: 'list',
      required: true,
      items: { type: 'map', properties: voteAttributes },
    },
    /** The token of the task waiting for this approval's next vote; internal, never shown. */
    taskToken: { type: 'string' },
    taskIssuedAt: { type: 'string' },
    /** Incremented by every vote, so concurrent votes on one approval cannot both count. */
    version: { type: 'number', required: true },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['changeId'] },
      sk: { field: TABLE_KEYS.sortKey, composite: ['planId', 'approvalId'] },
    },
  },
});

/**
 * An approver's delegation of their votes to a delegate for `[from, to)`. Listed by
 * delegator (the primary key) and by delegate, newest first (ids are UUIDv7, in creation
 * order); the item expires some time after the delegation ends.
 */
export const approvalDelegationEntity = new Entity({
  model: { entity: 'approvalDelegation', version: '1', service: SERVICE },
  attributes: {
    delegationId: { type: 'string', required: true },
    delegator: { type: 'string', required: true },
    delegate: { type: 'string', required: true },
    from: { type: 'string', required: true },
    to: { type: 'string', required: true },
    reason: { type: 'string' },
    createdAt: { type: 'string', required: true },
    revokedAt: { type: 'string' },
    expiresAt: { type: 'number', required: true, field: TABLE_KEYS.timeToLive },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['delegator'] },
      sk: { field: TABLE_KEYS.sortKey, composite: ['delegationId'] },
    },
    byDelegate: listIndex('byAssignee', ['delegate'], ['delegationId']),
  },
});
