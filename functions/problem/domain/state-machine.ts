import type { Principal } from '../../../shared/auth';
import { isBlank } from '../../../shared/domain/values';
import {
  type FieldIssue,
  ForbiddenError,
  InvalidTransitionError,
  ValidationError,
} from '../../../shared/errors';
import type { FieldChange } from '../../../shared/events/incidents';
import { canWrite } from './access';
import {
  type DomainContext,
  isActive,
  type Problem,
  type ProblemAction,
  ProblemActions,
  type ProblemState,
  type ProblemTransitionCommand,
  revise,
} from './model';

/**
 * The problem lifecycle: New -> Assess -> Root Cause Analysis -> Fix in Progress -> Resolved
 * -> Closed. Duplicate and Canceled are decided while assessing. A risk can be accepted as
 * soon as the cause is being analysed, a fix only applied once one is in progress.
 * Re-analysis returns to Root Cause Analysis when a fix fails (Fix in Progress), or the
 * problem recurs (Resolved, Closed).
 */
const TRANSITIONS: Readonly<
  Record<ProblemAction, { from: readonly ProblemState[]; to: ProblemState }>
> = {
  assess: { from: ['New'], to: 'Assess' },
  analyse: { from: ['Assess'], to: 'Root Cause Analysis' },
  fix: { from: ['Root Cause Analysis'], to: 'Fix in Progress' },
  resolve: { from: ['Root Cause Analysis', 'Fix in Progress'], to: 'Resolved' },
  close: { from: ['Resolved'], to: 'Closed' },
  reanalyse: { from: ['Fix in Progress', 'Resolved', 'Closed'], to: 'Root Cause Analysis' },
  markDuplicate: { from: ['Assess'], to: 'Duplicate' },
  cancel: { from: ['Assess'], to: 'Canceled' },
};

function permittedByState(action: ProblemAction, state: ProblemState): boolean {
  return TRANSITIONS[action].from.includes(state);
}

/** Actions the principal may take now: allowed by the state and by the access rules. */
export function allowedActions(problem: Problem, principal: Principal): ProblemAction[] {
  if (!canWrite(principal)) return [];
  return ProblemActions.filter((action) => permittedByState(action, problem.state));
}

export interface ProblemTransitionResult {
  problem: Problem;
  changes: FieldChange[];
  from: ProblemState;
  to: ProblemState;
  /** The command's non-blank comment, to be stored as a work note in the same transaction. */
  workNote?: string;
}

export function transition(
  problem: Problem,
  command: ProblemTransitionCommand,
  ctx: DomainContext,
): ProblemTransitionResult {
  const { action } = command;
  if (!permittedByState(action, problem.state)) {
    throw new InvalidTransitionError(action, problem.state, allowedActions(problem, ctx.actor));
  }
  if (!canWrite(ctx.actor)) throw new ForbiddenError(`Not allowed to ${action} this problem.`);
  const to = TRANSITIONS[action].to;
  const { problem: next, changes } = revise(
    problem,
    { state: to, ...fieldsFor(problem, command, ctx.now) },
    ctx.now,
  );
  return {
    problem: next,
    changes,
    from: problem.state,
    to,
    ...(isBlank(command.comment) ? {} : { workNote: command.comment }),
  };
}

function required(field: string, message: string): never {
  throw new ValidationError([{ field, message }]);
}

/** Fields other than `state` that the command sets or clears, after checking its rules. */
function fieldsFor(problem: Problem, command: ProblemTransitionCommand, now: string) {
  switch (command.action) {
    case 'assess':
      if (problem.assignmentGroup === undefined) {
        required('assignmentGroup', 'is required to assess a problem');
      }
      return {};
    case 'analyse':
      if (problem.assignee === undefined) {
        required('assignee', 'is required to analyse the root cause: someone owns it');
      }
      return {};
    case 'fix': {
      const rootCause = isBlank(command.rootCause) ? problem.rootCause : command.rootCause;
      if (isBlank(rootCause)) required('rootCause', 'must be documented before fixing');
      return { rootCause };
    }
    case 'resolve': {
      const issues: FieldIssue[] = [];
      if (command.resolutionCode === undefined) {
        issues.push({ field: 'resolutionCode', message: 'is required to resolve' });
      } else if (command.resolutionCode === 'Fix Applied' && problem.state !== 'Fix in Progress') {
        issues.push({
          field: 'resolutionCode',
          message:
            'Fix Applied requires a fix in progress; from Root Cause Analysis only Risk Accepted',
        });
      }
      if (isBlank(command.resolutionNotes)) {
        issues.push({ field: 'resolutionNotes', message: 'are required to resolve' });
      }
      if (issues.length > 0) throw new ValidationError(issues);
      return {
        resolutionCode: command.resolutionCode,
        resolutionNotes: command.resolutionNotes,
        resolvedAt: now,
      };
    }
    case 'close':
      return { closedAt: now };
    case 'reanalyse':
      return {
        resolutionCode: undefined,
        resolutionNotes: undefined,
        resolvedAt: undefined,
        closedAt: undefined,
      };
    case 'markDuplicate':
      if (isBlank(command.duplicateOf)) {
        required('duplicateOf', 'is required to mark a problem duplicate');
      }
      if (command.duplicateOf === problem.id || command.duplicateOf === problem.number) {
        required('duplicateOf', 'a problem cannot be a duplicate of itself');
      }
      // Its links move to the kept problem (see duplicateMerge).
      return { duplicateOf: command.duplicateOf, linkedIncidentCount: 0 };
    case 'cancel':
      return {};
  }
}

/**
 * Checks that `kept` may take the place of `duplicate`: another problem on which work is
 * still under way, so the incidents moved to it are resolved when it is.
 */
export function validateDuplicateTarget(duplicate: Problem, kept: Problem): void {
  const messages: string[] = [];
  if (kept.id === duplicate.id) messages.push('a problem cannot be a duplicate of itself');
  if (!isActive(kept.state)) {
    messages.push(`${kept.number} is ${kept.state}: only a problem still worked on can be kept`);
  }
  if (messages.length > 0) {
    throw new ValidationError(messages.map((message) => ({ field: 'duplicateOf', message })));
  }
}
