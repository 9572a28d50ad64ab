import {
  type ApprovalDecisionRecord,
  type ApprovalPlan,
  type ApprovalPolicy,
  approvalPathFor,
  approvalPlanIdFor,
  type Change,
  type ChangeModel,
  type ChangeState,
  type DomainContext,
  type RiskAssessment,
  type RiskLevel,
} from '../../../functions/change/domain';
import { type Principal, Scopes, SYSTEM_PRINCIPAL } from '../../../shared/auth';

export { thrownBy, validationIssues } from '../incident/fixtures';

export const CREATED_AT = '2025-03-01T08:00:00.000Z';
/** A Monday morning. */
export const NOW = '2025-03-03T09:30:00.000Z';
/** Saturday night, 22:00 to 02:00 UTC. */
export const PLANNED_START = '2025-03-08T22:00:00.000Z';
export const PLANNED_END = '2025-03-09T02:00:00.000Z';

export const principals = {
  agent: { id: 'agent-1', kind: 'user', role: 'agent', scopes: new Set<string>() },
  admin: { id: 'admin-1', kind: 'user', role: 'admin', scopes: new Set<string>() },
  requester: { id: 'requester-1', kind: 'user', role: 'requester', scopes: new Set<string>() },
  roleless: { id: 'user-0', kind: 'user', role: undefined, scopes: new Set<string>() },
  writingClient: {
    id: 'client-w',
    kind: 'client',
    role: undefined,
    scopes: new Set([Scopes.changesWrite]),
  },
  readingClient: {
    id: 'client-r',
    kind: 'client',
    role: undefined,
    scopes: new Set([Scopes.changesRead]),
  },
  // Other areas' scopes grant nothing on changes.
  problemClient: {
    id: 'client-p',
    kind: 'client',
    role: undefined,
    scopes: new Set([Scopes.problemsWrite, Scopes.incidentsWrite]),
  },
  // A person's scopes grant nothing: people are authorized by role.
  requesterWithWriteScope: {
    id: 'requester-2',
    kind: 'user',
    role: 'requester',
    scopes: new Set([Scopes.changesWrite]),
  },
  system: SYSTEM_PRINCIPAL,
} satisfies Record<string, Principal>;

export type PrincipalName = keyof typeof principals;
export const principalNames = Object.keys(principals) as PrincipalName[];
export const WRITERS: readonly PrincipalName[] = ['agent', 'admin', 'writingClient', 'system'];
export const READERS: readonly PrincipalName[] = [...WRITERS, 'readingClient'];

export function ctx(actor: Principal = principals.agent, now = NOW): DomainContext {
  return { actor, now };
}

export function aRisk(model: ChangeModel = 'normal', level: RiskLevel = 'low'): RiskAssessment {
  return {
    level,
    score: { low: 10, moderate: 30, high: 50, 'very-high': 70 }[level],
    approvalPath: approvalPathFor(model, level),
    reasons: [{ factor: 'change-model', points: 5, explanation: `A ${model} change.` }],
    assessedAt: NOW,
  };
}

/** A change of `model` in `state` that satisfies that state's invariants. */
export function aChange(
  state: ChangeState = 'New',
  model: ChangeModel = 'normal',
  overrides: Partial<Change> = {},
): Change {
  const base: Change = {
    id: 'chg-1',
    number: 'CHG0001001',
    model,
    ...(model === 'standard' ? { templateId: 'tpl-1' } : {}),
    shortDescription: 'Patch the database servers',
    state,
    plannedStart: PLANNED_START,
    plannedEnd: PLANNED_END,
    implementationPlan: 'Apply the patch to each node in turn',
    backoutPlan: 'Restore the snapshot taken before',
    testPlan: 'Run the smoke tests',
    affectedCis: ['ci-db'],
    assignmentGroup: 'dba',
    assignee: 'agent-1',
    linkedProblems: [],
    linkedIncidents: [],
    openedBy: 'requester-9',
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    version: 5,
  };
  const assessed = { risk: aRisk(model) };
  const submitted = { ...assessed, approvalPlanId: 'plan-1', submittedAt: CREATED_AT };
  const authorized = {
    ...(model === 'standard' ? {} : { ...submitted, approval: aDecision('approved') }),
  };
  const implementing = { ...authorized, implementationStartedAt: CREATED_AT };
  const reviewed = {
    ...implementing,
    outcome: 'successful' as const,
    implementationEndedAt: CREATED_AT,
  };
  const byState: Partial<Record<ChangeState, Partial<Change>>> = {
    Assess: assessed,
    Authorize: submitted,
    Scheduled: authorized,
    Implement: implementing,
    Review: reviewed,
    Closed: { ...reviewed, closedAt: CREATED_AT },
    Canceled: { cancelReason: 'No longer needed', closedAt: CREATED_AT },
  };
  return { ...base, ...byState[state], ...overrides };
}

export function aDecision(
  outcome: ApprovalDecisionRecord['outcome'],
  overrides: Partial<ApprovalDecisionRecord> = {},
): ApprovalDecisionRecord {
  return {
    planId: 'plan-1',
    outcome,
    decidedAt: NOW,
    timedOut: false,
    reasons: [outcome === 'approved' ? 'Approved by cab-1.' : 'Rejected by cab-1: too risky'],
    votes: [
      {
        approvalId: 'approval-cab-1',
        approverId: 'cab-1',
        castBy: 'cab-1',
        vote: outcome === 'approved' ? 'approve' : 'reject',
        ...(outcome === 'rejected' ? { comment: 'too risky' } : {}),
        castAt: NOW,
      },
    ],
    ...overrides,
  };
}

export const POLICY_ALL: ApprovalPolicy = {
  rule: { kind: 'all' },
  onRejection: 'reject-at-once',
  timeout: { afterMinutes: 60, remindBeforeMinutes: 15, outcome: 'reject' },
};

/** A plan for the submission of `change` (at its current version). */
export function aPlan(change: Change, overrides: Partial<ApprovalPlan> = {}): ApprovalPlan {
  return {
    planId: approvalPlanIdFor(change),
    changeId: change.id,
    path: 'ci-owners',
    policy: POLICY_ALL,
    approvers: [{ approvalId: 'approval-owner-1', approverId: 'owner-1', groups: ['dba'] }],
    reasons: ['The risk calls for the owner groups of the CIs.'],
    requestedAt: NOW,
    remindAt: '2025-03-03T10:15:00.000Z',
    deadline: '2025-03-03T10:30:00.000Z',
    ...overrides,
  };
}
