import * as z from '../zod';
import { defineEvent } from './envelope';
import { FieldChangeSchema } from './incidents';

/**
 * The change area's published language: the vocabulary, the change snapshot its API and its
 * events expose, the approval plan the approval workflow runs, and the event contracts. Other
 * areas (the problem follow-up, the workflow, pipelines) depend on this, never on the change
 * module's internals.
 */
export const CHANGE_SOURCE = 'itsm.changes';
export const CHANGE_AGGREGATE = 'change';

export const CHANGE_NUMBER_PREFIX = 'CHG';
export const RELEASE_NUMBER_PREFIX = 'RLS';

export const ChangeModels = ['normal', 'standard', 'emergency'] as const;
export const ChangeModelSchema = z.enum(ChangeModels);
export type ChangeModel = z.infer<typeof ChangeModelSchema>;

/** Closed and Canceled end a change; every other state is on one of the models' paths. */
export const ChangeStates = [
  'New',
  'Assess',
  'Authorize',
  'Scheduled',
  'Implement',
  'Review',
  'Closed',
  'Canceled',
] as const;
export const ChangeStateSchema = z.enum(ChangeStates);
export type ChangeState = z.infer<typeof ChangeStateSchema>;

/**
 * The path of each model (itsm-reference.md). A standard change is pre-approved by its
 * template, so it has no Assess or Authorize; an emergency change has no time to Assess.
 */
export const ChangeStateModels = {
  normal: ['New', 'Assess', 'Authorize', 'Scheduled', 'Implement', 'Review', 'Closed'],
  standard: ['New', 'Scheduled', 'Implement', 'Review', 'Closed'],
  emergency: ['New', 'Authorize', 'Scheduled', 'Implement', 'Review', 'Closed'],
} as const satisfies Record<ChangeModel, readonly ChangeState[]>;

/** What the review records about the implementation. */
export const ChangeOutcomes = [
  'successful',
  'successful-with-issues',
  'failed',
  'backed-out',
] as const;
export const ChangeOutcomeSchema = z.enum(ChangeOutcomes);
export type ChangeOutcome = z.infer<typeof ChangeOutcomeSchema>;

/** The change is in place: it counts as implemented for releases and linked problems. */
export function isSuccessfulOutcome(outcome: ChangeOutcome | undefined): boolean {
  return outcome === 'successful' || outcome === 'successful-with-issues';
}

export const RiskLevels = ['low', 'moderate', 'high', 'very-high'] as const;
export const RiskLevelSchema = z.enum(RiskLevels);
export type RiskLevel = z.infer<typeof RiskLevelSchema>;

/** Who authorizes: the risk assessment chooses, the approval plan names the people. */
export const ApprovalPaths = ['pre-approved', 'ci-owners', 'cab', 'emergency-cab'] as const;
export const ApprovalPathSchema = z.enum(ApprovalPaths);
export type ApprovalPath = z.infer<typeof ApprovalPathSchema>;

export const RiskFactors = [
  'ci-criticality',
  'blast-radius',
  'business-hours',
  'blackout',
  'change-model',
  'failure-rate',
] as const;
export const RiskFactorSchema = z.enum(RiskFactors);
export type RiskFactor = z.infer<typeof RiskFactorSchema>;

export const RiskAssessmentSchema = z.object({
  level: RiskLevelSchema,
  score: z.int().check(z.minimum(0)),
  approvalPath: ApprovalPathSchema,
  /** One entry per factor, zero points included, so the level explains itself. */
  reasons: z.array(
    z.object({ factor: RiskFactorSchema, points: z.int(), explanation: z.string() }),
  ),
  assessedAt: z.iso.datetime(),
});
export type RiskAssessment = z.infer<typeof RiskAssessmentSchema>;

export const ConflictKinds = [
  'blackout',
  'same-ci-overlap',
  'related-ci-overlap',
  'assignee-booked',
  'outside-maintenance-window',
] as const;
export const ConflictKindSchema = z.enum(ConflictKinds);
export type ConflictKind = z.infer<typeof ConflictKindSchema>;

export const ConflictSchema = z.object({
  kind: ConflictKindSchema,
  explanation: z.string(),
  /** The change's CIs concerned (for a related-CI overlap: those whose neighbours are booked). */
  cis: z.array(z.string()),
  otherChange: z.optional(
    z.object({ id: z.string(), number: z.string(), state: ChangeStateSchema }),
  ),
  blackout: z.optional(z.object({ id: z.string(), name: z.string() })),
});
export type Conflict = z.infer<typeof ConflictSchema>;

/** An emergency change scheduled into a blackout: who decided it, when and why. */
export const ConflictOverrideSchema = z.object({
  overriddenBy: z.string(),
  overriddenAt: z.iso.datetime(),
  reason: z.string(),
  conflicts: z.array(ConflictSchema),
});
export type ConflictOverride = z.infer<typeof ConflictOverrideSchema>;

export const ApprovalRuleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('any') }),
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('quorum'), count: z.int().check(z.positive()) }),
  z.object({ kind: z.literal('percentage'), percent: z.number().check(z.gt(0), z.maximum(100)) }),
  /** The first member of each group to respond answers for the group; every group must approve. */
  z.object({ kind: z.literal('first-per-group') }),
]);
export type ApprovalRule = z.infer<typeof ApprovalRuleSchema>;

export const OnRejections = ['reject-at-once', 'keep-waiting'] as const;
export const OnRejectionSchema = z.enum(OnRejections);
export type OnRejection = z.infer<typeof OnRejectionSchema>;

export const ApprovalPolicySchema = z
  .object({
    rule: ApprovalRuleSchema,
    onRejection: OnRejectionSchema,
    timeout: z.object({
      afterMinutes: z.int().check(z.positive()),
      remindBeforeMinutes: z.int().check(z.minimum(0)),
      outcome: z.enum(['approve', 'reject']),
    }),
  })
  .check(
    z.refine((policy) => policy.timeout.remindBeforeMinutes < policy.timeout.afterMinutes, {
      message: 'the reminder must come before the timeout',
      path: ['timeout', 'remindBeforeMinutes'],
    }),
  );
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

/** One person asked to approve; `approvalId` is the id the approval API and its task use. */
export const ApproverSchema = z.object({
  approvalId: z.string(),
  approverId: z.string(),
  /** The groups the person was asked for (a person in two groups is asked once). */
  groups: z.array(z.string()).check(z.minLength(1)),
});
export type Approver = z.infer<typeof ApproverSchema>;

/** Who must authorize a change, under which policy, and until when. */
export const ApprovalPlanSchema = z.object({
  /** Derived from the change and its version at submission: one plan per submission. */
  planId: z.string(),
  changeId: z.string(),
  path: ApprovalPathSchema,
  policy: ApprovalPolicySchema,
  approvers: z.array(ApproverSchema).check(z.minLength(1)),
  /** Why these approvers (the risk path, fallbacks, who was left out). */
  reasons: z.array(z.string()),
  requestedAt: z.iso.datetime(),
  remindAt: z.iso.datetime(),
  deadline: z.iso.datetime(),
});
export type ApprovalPlan = z.infer<typeof ApprovalPlanSchema>;

export const VoteChoiceSchema = z.enum(['approve', 'reject']);
export type VoteChoice = z.infer<typeof VoteChoiceSchema>;

export const VoteSchema = z.object({
  approvalId: z.string(),
  approverId: z.string(),
  /** The approver, or the delegate who voted for them. */
  castBy: z.string(),
  vote: VoteChoiceSchema,
  comment: z.optional(z.string()),
  castAt: z.iso.datetime(),
});
export type Vote = z.infer<typeof VoteSchema>;

/** The authorization as recorded on the change: the outcome, why, and the votes that counted. */
export const ApprovalDecisionRecordSchema = z.object({
  planId: z.string(),
  outcome: z.enum(['approved', 'rejected']),
  decidedAt: z.iso.datetime(),
  timedOut: z.boolean(),
  reasons: z.array(z.string()).check(z.minLength(1)),
  /** Each approver's last vote before the decision. */
  votes: z.array(VoteSchema),
});
export type ApprovalDecisionRecord = z.infer<typeof ApprovalDecisionRecordSchema>;

export const ChangeSnapshotSchema = z.object({
  id: z.string(),
  number: z.string(),
  model: ChangeModelSchema,
  /** The pre-approved template a standard change was made from. */
  templateId: z.optional(z.string()),
  shortDescription: z.string(),
  description: z.optional(z.string()),
  category: z.optional(z.string()),
  state: ChangeStateSchema,
  plannedStart: z.optional(z.iso.datetime()),
  plannedEnd: z.optional(z.iso.datetime()),
  implementationPlan: z.optional(z.string()),
  backoutPlan: z.optional(z.string()),
  testPlan: z.optional(z.string()),
  affectedCis: z.array(z.string()),
  assignmentGroup: z.optional(z.string()),
  assignee: z.optional(z.string()),
  linkedProblems: z.array(z.string()),
  linkedIncidents: z.array(z.string()),
  risk: z.optional(RiskAssessmentSchema),
  /** The plan of the authorization under way or last decided; a decision must name it. */
  approvalPlanId: z.optional(z.string()),
  /** The latest authorization; a rejected one stays after the change returns to New. */
  approval: z.optional(ApprovalDecisionRecordSchema),
  conflictOverride: z.optional(ConflictOverrideSchema),
  outcome: z.optional(ChangeOutcomeSchema),
  outcomeNotes: z.optional(z.string()),
  closeNotes: z.optional(z.string()),
  cancelReason: z.optional(z.string()),
  openedBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  submittedAt: z.optional(z.iso.datetime()),
  implementationStartedAt: z.optional(z.iso.datetime()),
  implementationEndedAt: z.optional(z.iso.datetime()),
  closedAt: z.optional(z.iso.datetime()),
  version: z.int().check(z.positive()),
});
export type ChangeSnapshot = z.infer<typeof ChangeSnapshotSchema>;

export const ChangeCreated = defineEvent({
  source: CHANGE_SOURCE,
  detailType: 'ChangeCreated',
  version: 1,
  aggregateType: CHANGE_AGGREGATE,
  data: z.object({ change: ChangeSnapshotSchema }),
});

export const ChangeUpdated = defineEvent({
  source: CHANGE_SOURCE,
  detailType: 'ChangeUpdated',
  version: 1,
  aggregateType: CHANGE_AGGREGATE,
  data: z.object({ change: ChangeSnapshotSchema, changes: z.array(FieldChangeSchema) }),
});

/**
 * Every transition, including those that ChangeSubmittedForAuthorization, ChangeApproved and
 * ChangeRejected also announce. Closing carries the outcome in the snapshot: the problem
 * follow-up (shared/domain/change-follow-up.ts) and releases need nothing more.
 */
export const ChangeStateChanged = defineEvent({
  source: CHANGE_SOURCE,
  detailType: 'ChangeStateChanged',
  version: 1,
  aggregateType: CHANGE_AGGREGATE,
  data: z.object({
    change: ChangeSnapshotSchema,
    action: z.string(),
    from: ChangeStateSchema,
    to: ChangeStateSchema,
  }),
});

/** The approval workflow starts on this event (one execution per `plan.planId`). */
export const ChangeSubmittedForAuthorization = defineEvent({
  source: CHANGE_SOURCE,
  detailType: 'ChangeSubmittedForAuthorization',
  version: 1,
  aggregateType: CHANGE_AGGREGATE,
  data: z.object({ change: ChangeSnapshotSchema, plan: ApprovalPlanSchema }),
});

export const ChangeApproved = defineEvent({
  source: CHANGE_SOURCE,
  detailType: 'ChangeApproved',
  version: 1,
  aggregateType: CHANGE_AGGREGATE,
  data: z.object({ change: ChangeSnapshotSchema, decision: ApprovalDecisionRecordSchema }),
});

export const ChangeRejected = defineEvent({
  source: CHANGE_SOURCE,
  detailType: 'ChangeRejected',
  version: 1,
  aggregateType: CHANGE_AGGREGATE,
  data: z.object({ change: ChangeSnapshotSchema, decision: ApprovalDecisionRecordSchema }),
});
