import { derivePriority } from '../../../shared/domain/priority';
import { isBlank, withoutUndefined } from '../../../shared/domain/values';
import { ConflictError, type FieldIssue, ValidationError } from '../../../shared/errors';
import type { FieldChange } from '../../../shared/events/incidents';
import { assertCanWrite } from './access';
import type { DetectionDecision } from './detection';
import { linkRecord } from './links';
import {
  isReadOnly,
  type NewProblemInput,
  type PriorityContext,
  type Problem,
  type ProblemIncidentLink,
  type ProblemPatch,
  ProblemPatchFields,
  type ProblemState,
  revise,
} from './model';

/** Impact and urgency default to Low until the problem is assessed. */
export const DEFAULT_IMPACT = 3;
export const DEFAULT_URGENCY = 3;

/** From Assess on, someone is accountable: the group may change but not go. */
const STATES_REQUIRING_GROUP: readonly ProblemState[] = [
  'Assess',
  'Root Cause Analysis',
  'Fix in Progress',
  'Resolved',
];
/** A fix, applied or in progress, stays explained (a risk may be accepted unexplained). */
const STATES_REQUIRING_ROOT_CAUSE: readonly ProblemState[] = ['Fix in Progress', 'Resolved'];

/** The invariants every version of a problem keeps, whatever changed it. */
function invariantIssues(problem: Problem): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (problem.assignee !== undefined && problem.assignmentGroup === undefined) {
    issues.push({ field: 'assignee', message: 'requires an assignment group' });
  }
  if (problem.knownError) {
    if (isBlank(problem.rootCause)) {
      issues.push({ field: 'rootCause', message: 'is required for a known error' });
    }
    if (isBlank(problem.workaround)) {
      issues.push({ field: 'workaround', message: 'is required for a known error' });
    }
  }
  return issues;
}

export interface ProblemIds {
  id: string;
  number: string;
}

/** A new problem in state New, raised by a person or an integration. */
export function createProblem(
  input: NewProblemInput,
  ids: ProblemIds,
  ctx: PriorityContext,
): Problem {
  assertCanWrite(ctx.actor);
  const impact = input.impact ?? DEFAULT_IMPACT;
  const urgency = input.urgency ?? DEFAULT_URGENCY;
  const problem = withoutUndefined<Problem>({
    id: ids.id,
    number: ids.number,
    shortDescription: input.shortDescription,
    description: input.description,
    category: input.category,
    impact,
    urgency,
    priority: derivePriority(ctx.priorityMatrix, impact, urgency),
    configurationItem: input.configurationItem,
    assignmentGroup: input.assignmentGroup,
    assignee: input.assignee,
    state: 'New',
    knownError: input.knownError ?? false,
    rootCause: input.rootCause,
    workaround: input.workaround,
    linkedIncidentCount: 0,
    source: 'manual',
    openedBy: ctx.actor.id,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    version: 1,
  });
  const issues = invariantIssues(problem);
  if (issues.length > 0) throw new ValidationError(issues);
  return problem;
}

export type CreateDecision = Extract<DetectionDecision, { kind: 'create' }>;

/**
 * The detected problem and its links, to write together with a put conditional on the
 * (derived) id being new. When the put finds the id taken, a concurrent or replayed decision
 * created it: the use case then links the incidents to it with `linkIncidents`, which skips
 * those already linked. The problem starts New and untriaged, for a person to assess.
 */
export function createDetectedProblem(
  decision: CreateDecision,
  number: string,
  ctx: PriorityContext,
): { problem: Problem; links: ProblemIncidentLink[] } {
  assertCanWrite(ctx.actor);
  const { candidate, incidents } = decision;
  const problem: Problem = {
    id: candidate.id,
    number,
    shortDescription: candidate.shortDescription,
    description: candidate.description,
    impact: DEFAULT_IMPACT,
    urgency: DEFAULT_URGENCY,
    priority: derivePriority(ctx.priorityMatrix, DEFAULT_IMPACT, DEFAULT_URGENCY),
    configurationItem: candidate.configurationItem,
    state: 'New',
    knownError: false,
    linkedIncidentCount: incidents.length,
    source: 'detected',
    openedBy: ctx.actor.id,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    version: 1,
  };
  return { problem, links: incidents.map((incident) => linkRecord(problem, incident, ctx)) };
}

export interface ProblemUpdateResult {
  problem: Problem;
  changes: FieldChange[];
}

/**
 * Applies a PATCH. Resolved problems still take edits, so a known error can be documented
 * after its risk was accepted; Closed, Duplicate and Canceled ones are read-only. As for
 * incidents, priority is re-derived only when impact or urgency change, and moving the
 * problem to another group clears its assignee unless the same patch names one.
 */
export function updateProblem(
  problem: Problem,
  patch: ProblemPatch,
  ctx: PriorityContext,
): ProblemUpdateResult {
  assertCanWrite(ctx.actor);
  if (isReadOnly(problem.state)) {
    throw new ConflictError(`A ${problem.state} problem is read-only.`);
  }

  const patched: Problem = { ...problem };
  for (const field of ProblemPatchFields) {
    const value = patch[field];
    if (value !== undefined) Object.assign(patched, { [field]: value ?? undefined });
  }
  if (patched.assignmentGroup !== problem.assignmentGroup && patch.assignee === undefined) {
    patched.assignee = undefined;
  }
  if (patched.impact !== problem.impact || patched.urgency !== problem.urgency) {
    patched.priority = derivePriority(ctx.priorityMatrix, patched.impact, patched.urgency);
  }

  const issues = invariantIssues(patched);
  const clearsGroup =
    problem.assignmentGroup !== undefined && patched.assignmentGroup === undefined;
  if (clearsGroup && STATES_REQUIRING_GROUP.includes(problem.state)) {
    issues.push({
      field: 'assignmentGroup',
      message: `cannot be cleared while the problem is ${problem.state}`,
    });
  }
  const clearsRootCause = !isBlank(problem.rootCause) && isBlank(patched.rootCause);
  if (clearsRootCause && STATES_REQUIRING_ROOT_CAUSE.includes(problem.state)) {
    issues.push({
      field: 'rootCause',
      message: `cannot be cleared while the problem is ${problem.state}`,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const revised = revise(problem, patched, ctx.now);
  return revised.changes.length === 0 ? { problem, changes: [] } : revised;
}
