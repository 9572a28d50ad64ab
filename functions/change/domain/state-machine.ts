import type { Principal } from '../../../shared/auth';
import { isBlank } from '../../../shared/domain/values';
import {
  ConflictError,
  type FieldIssue,
  ForbiddenError,
  InvalidTransitionError,
  ValidationError,
} from '../../../shared/errors';
import type { FieldChange } from '../../../shared/events/incidents';
import { canDecide, canWrite } from './access';
import { approvalPlanIdFor } from './approvals';
import { readinessIssues } from './change';
import { canSchedule, ScheduleBlockedError } from './conflicts';
import {
  type ApprovalDecisionRecord,
  type ApprovalPlan,
  type Change,
  type ChangeAction,
  ChangeActions,
  type ChangeModel,
  ChangeOutcomes,
  type ChangeState,
  ChangeStateModels,
  type ChangeTransitionCommand,
  type DomainContext,
  type RiskAssessment,
  revise,
} from './model';
import { approvalPathFor } from './risk';

/** Every state of the model's path up to and including Implement. */
function cancelableStates(model: ChangeModel): ChangeState[] {
  const path: readonly ChangeState[] = ChangeStateModels[model];
  return path.slice(0, path.indexOf('Implement') + 1);
}

type Rule = { from: readonly ChangeState[]; to: ChangeState };

/**
 * The three models (itsm-reference.md):
 * - normal: New -assess-> Assess -requestAuthorization-> Authorize -approve-> Scheduled
 *   -implement-> Implement -review-> Review -close-> Closed;
 * - standard (pre-approved): New -schedule-> Scheduled, then as normal;
 * - emergency: New -requestAuthorization-> Authorize, then as normal.
 * A rejected authorization (`reject`) returns the change to New. `cancel` ends it from any
 * state up to and including Implement. `revertToNew` returns an assessed or scheduled change
 * to New to replan it: its authorization is void. A change under authorization is not
 * reverted: the workflow decides it, or it is canceled.
 */
const COMMON = {
  implement: { from: ['Scheduled'], to: 'Implement' },
  review: { from: ['Implement'], to: 'Review' },
  close: { from: ['Review'], to: 'Closed' },
} as const satisfies Partial<Record<ChangeAction, Rule>>;

const AUTHORIZATION = {
  approve: { from: ['Authorize'], to: 'Scheduled' },
  reject: { from: ['Authorize'], to: 'New' },
} as const satisfies Partial<Record<ChangeAction, Rule>>;

const TRANSITIONS: Readonly<Record<ChangeModel, Partial<Record<ChangeAction, Rule>>>> = {
  normal: {
    assess: { from: ['New'], to: 'Assess' },
    requestAuthorization: { from: ['Assess'], to: 'Authorize' },
    ...AUTHORIZATION,
    ...COMMON,
    cancel: { from: cancelableStates('normal'), to: 'Canceled' },
    revertToNew: { from: ['Assess', 'Scheduled'], to: 'New' },
  },
  standard: {
    schedule: { from: ['New'], to: 'Scheduled' },
    ...COMMON,
    cancel: { from: cancelableStates('standard'), to: 'Canceled' },
    revertToNew: { from: ['Scheduled'], to: 'New' },
  },
  emergency: {
    requestAuthorization: { from: ['New'], to: 'Authorize' },
    ...AUTHORIZATION,
    ...COMMON,
    cancel: { from: cancelableStates('emergency'), to: 'Canceled' },
    revertToNew: { from: ['Scheduled'], to: 'New' },
  },
};

const DECISIONS: readonly ChangeAction[] = ['approve', 'reject'];

/** The rule for the action when the change's model and state allow it. */
function ruleFor(change: Change, action: ChangeAction): Rule | undefined {
  const rule = TRANSITIONS[change.model][action];
  return rule?.from.includes(change.state) ? rule : undefined;
}

function permittedToActor(action: ChangeAction, principal: Principal): boolean {
  return DECISIONS.includes(action) ? canDecide(principal) : canWrite(principal);
}

/** Actions the principal may take now: allowed by the model, the state and the access rules. */
export function allowedActions(change: Change, principal: Principal): ChangeAction[] {
  return ChangeActions.filter(
    (action) => ruleFor(change, action) !== undefined && permittedToActor(action, principal),
  );
}

export interface ChangeTransitionResult {
  change: Change;
  changes: FieldChange[];
  from: ChangeState;
  to: ChangeState;
  /** The command's non-blank comment, to be stored as a work note in the same transaction. */
  workNote?: string;
  /** On requestAuthorization: the plan ChangeSubmittedForAuthorization carries. */
  plan?: ApprovalPlan;
  /** On approve and reject: the authorization as recorded (ChangeApproved or ChangeRejected). */
  authorization?: ApprovalDecisionRecord;
}

/**
 * Applies a transition command. Checks, in order: the model and state allow the action (409
 * with the allowed actions), the actor may take it (403), the change and command satisfy the
 * action's rules (400, or 409 for a window refused by a blackout or a stale decision).
 * `approve` is the one action whose target depends on the command: an approved change whose
 * window a blackout now blocks cannot be scheduled, so its authorization is recorded as
 * rejected with that reason and it returns to New.
 */
export function transition(
  change: Change,
  command: ChangeTransitionCommand,
  ctx: DomainContext,
): ChangeTransitionResult {
  const { action } = command;
  const rule = ruleFor(change, action);
  if (!rule) {
    throw new InvalidTransitionError(action, change.state, allowedActions(change, ctx.actor));
  }
  if (!permittedToActor(action, ctx.actor)) {
    throw new ForbiddenError(
      DECISIONS.includes(action)
        ? `Only the approval workflow may ${action} a change; approvers vote on its approvals.`
        : `Not allowed to ${action} this change.`,
    );
  }
  const { to, fields } = effectOf(change, command, rule.to, ctx);
  const { change: next, changes } = revise(change, { state: to, ...fields }, ctx.now);
  return {
    change: next,
    changes,
    from: change.state,
    to,
    ...(isBlank(command.comment) ? {} : { workNote: command.comment }),
    ...(command.action === 'requestAuthorization' ? { plan: command.plan } : {}),
    ...(next.approval && DECISIONS.includes(action) ? { authorization: next.approval } : {}),
  };
}

function rejectIfAny(issues: FieldIssue[]): void {
  if (issues.length > 0) throw new ValidationError(issues);
}

/** A risk assessed for another model would choose the wrong approval path. */
function riskIssues(change: Change, risk: RiskAssessment | undefined): FieldIssue[] {
  if (risk === undefined) return [{ field: 'risk', message: 'must be assessed' }];
  return risk.approvalPath === approvalPathFor(change.model, risk.level)
    ? []
    : [{ field: 'risk', message: `was not assessed for a ${change.model} change` }];
}

function assertCurrentDecision(
  change: Change,
  decision: ApprovalDecisionRecord,
  outcome: ApprovalDecisionRecord['outcome'],
): void {
  if (decision.planId !== change.approvalPlanId) {
    throw new ConflictError(
      `The decision is for approval plan ${decision.planId}, not the change's current one.`,
    );
  }
  if (decision.outcome !== outcome) {
    throw new ValidationError([{ field: 'decision.outcome', message: `must be ${outcome}` }]);
  }
}

function blockedIfRefused(verdict: ReturnType<typeof canSchedule>) {
  if (!verdict.allowed) throw new ScheduleBlockedError(verdict.reasons, verdict.blocking);
  return verdict.override;
}

const VOIDED_AUTHORIZATION = {
  approval: undefined,
  approvalPlanId: undefined,
  conflictOverride: undefined,
} as const satisfies Partial<Change>;

/** The target state and the fields other than `state` the command sets or clears. */
function effectOf(
  change: Change,
  command: ChangeTransitionCommand,
  to: ChangeState,
  ctx: DomainContext,
): { to: ChangeState; fields: Partial<Change> } {
  switch (command.action) {
    case 'assess':
      rejectIfAny([
        ...readinessIssues(change, 'assess', ctx.now),
        ...riskIssues(change, command.risk),
      ]);
      return { to, fields: { risk: command.risk } };
    case 'requestAuthorization': {
      const issues = [
        ...readinessIssues(change, 'authorization', ctx.now),
        ...riskIssues(change, command.risk),
      ];
      if (command.plan.planId !== approvalPlanIdFor(change)) {
        issues.push({ field: 'plan', message: 'was built for another change or version' });
      }
      rejectIfAny(issues);
      const override = blockedIfRefused(
        canSchedule(change, command.conflicts, {
          by: ctx.actor.id,
          at: ctx.now,
          reason: command.overrideReason,
        }),
      );
      return {
        to,
        fields: {
          risk: command.risk,
          approvalPlanId: command.plan.planId,
          approval: undefined,
          conflictOverride: override,
          submittedAt: ctx.now,
        },
      };
    }
    case 'approve': {
      assertCurrentDecision(change, command.decision, 'approved');
      const verdict = canSchedule(change, command.conflicts);
      if (verdict.allowed) {
        return { to, fields: { approval: command.decision, conflictOverride: verdict.override } };
      }
      const refused: ApprovalDecisionRecord = {
        ...command.decision,
        outcome: 'rejected',
        reasons: [
          ...command.decision.reasons,
          'Approved, but the window can no longer be scheduled:',
          ...verdict.reasons,
        ],
      };
      return { to: 'New', fields: { approval: refused, conflictOverride: undefined } };
    }
    case 'reject':
      assertCurrentDecision(change, command.decision, 'rejected');
      return { to, fields: { approval: command.decision, conflictOverride: undefined } };
    case 'schedule': {
      rejectIfAny(readinessIssues(change, 'schedule', ctx.now));
      const override = blockedIfRefused(canSchedule(change, command.conflicts));
      return { to, fields: { conflictOverride: override } };
    }
    case 'implement':
      return { to, fields: { implementationStartedAt: ctx.now } };
    case 'review': {
      const issues: FieldIssue[] = [];
      if (!ChangeOutcomes.includes(command.outcome)) {
        issues.push({ field: 'outcome', message: `must be one of ${ChangeOutcomes.join(', ')}` });
      } else if (command.outcome !== 'successful' && isBlank(command.outcomeNotes)) {
        issues.push({ field: 'outcomeNotes', message: `are required for ${command.outcome}` });
      }
      rejectIfAny(issues);
      return {
        to,
        fields: {
          outcome: command.outcome,
          outcomeNotes: isBlank(command.outcomeNotes) ? undefined : command.outcomeNotes,
          implementationEndedAt: ctx.now,
        },
      };
    }
    case 'close':
      return {
        to,
        fields: {
          closeNotes: isBlank(command.closeNotes) ? undefined : command.closeNotes,
          closedAt: ctx.now,
        },
      };
    case 'cancel':
      if (isBlank(command.reason)) {
        rejectIfAny([{ field: 'reason', message: 'is required to cancel' }]);
      }
      return { to, fields: { cancelReason: command.reason, closedAt: ctx.now } };
    case 'revertToNew':
      return { to, fields: VOIDED_AUTHORIZATION };
  }
}
