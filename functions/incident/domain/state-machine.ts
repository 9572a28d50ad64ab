import type { Principal } from '../../../shared/auth';
import {
  ConflictError,
  type FieldIssue,
  ForbiddenError,
  InvalidTransitionError,
  ValidationError,
} from '../../../shared/errors';
import type { FieldChange, IncidentState } from '../../../shared/events/incidents';
import { mayPerform } from './access';
import {
  type DomainContext,
  type Incident,
  type IncidentAction,
  IncidentActions,
  isBlank,
  OpenStates,
  revise,
  type TransitionCommand,
} from './model';

/**
 * The incident lifecycle. Closed and Canceled are final; Resolved waits for the caller to
 * confirm (close) or object (reopen). Nothing moves an incident to In Progress without an
 * assignment group (reference): `start` and `resume` demand one. Reopening and the caller's
 * reply must not fail on a group the caller cannot set: without one they return the
 * incident to New, the queue, instead (see workState).
 */
const TRANSITIONS: Readonly<
  Record<IncidentAction, { from: readonly IncidentState[]; to: IncidentState }>
> = {
  start: { from: ['New'], to: 'In Progress' },
  // From On Hold: to change the reason.
  hold: { from: OpenStates, to: 'On Hold' },
  resume: { from: ['On Hold'], to: 'In Progress' },
  resolve: { from: OpenStates, to: 'Resolved' },
  close: { from: ['Resolved'], to: 'Closed' },
  reopen: { from: ['Resolved'], to: 'In Progress' },
  cancel: { from: OpenStates, to: 'Canceled' },
};

function permittedByState(action: IncidentAction, state: IncidentState): boolean {
  return TRANSITIONS[action].from.includes(state);
}

/** Actions the principal may take now: allowed by the state and by the access rules. */
export function allowedActions(incident: Incident, principal: Principal): IncidentAction[] {
  return IncidentActions.filter(
    (action) => permittedByState(action, incident.state) && mayPerform(action, incident, principal),
  );
}

export interface TransitionResult {
  incident: Incident;
  changes: FieldChange[];
  from: IncidentState;
  to: IncidentState;
  /** The command's non-blank comment, to be stored as a public comment in the same transaction. */
  publicComment?: string;
}

export function transition(
  incident: Incident,
  command: TransitionCommand,
  ctx: DomainContext,
): TransitionResult {
  const { action } = command;
  if (!permittedByState(action, incident.state)) {
    throw new InvalidTransitionError(action, incident.state, allowedActions(incident, ctx.actor));
  }
  if (!mayPerform(action, incident, ctx.actor)) {
    throw new ForbiddenError(`Not allowed to ${action} this incident.`);
  }
  const to = action === 'reopen' ? workState(incident) : TRANSITIONS[action].to;
  const { incident: next, changes } = revise(
    incident,
    { state: to, ...fieldsFor(incident, command, ctx.now) },
    ctx.now,
  );
  const comment = 'comment' in command ? command.comment : undefined;
  return {
    incident: next,
    changes,
    from: incident.state,
    to,
    ...(isBlank(comment) ? {} : { publicComment: comment }),
  };
}

/** Fields other than `state` that the command sets or clears, after checking its rules. */
function fieldsFor(incident: Incident, command: TransitionCommand, now: string): Partial<Incident> {
  switch (command.action) {
    case 'start':
      requireAssignmentGroup(incident);
      return {};
    case 'hold':
      if (command.holdReason === 'Awaiting Caller' && isBlank(command.comment)) {
        throw new ValidationError([
          { field: 'comment', message: 'is required to tell the caller what is awaited' },
        ]);
      }
      if (incident.state === 'On Hold' && incident.holdReason === command.holdReason) {
        throw new ConflictError(`The incident is already on hold: ${command.holdReason}.`);
      }
      return { holdReason: command.holdReason };
    case 'resume':
      requireAssignmentGroup(incident);
      return { holdReason: undefined };
    case 'resolve': {
      const issues: FieldIssue[] = [];
      if (command.resolutionCode === undefined) {
        issues.push({ field: 'resolutionCode', message: 'is required to resolve' });
      }
      if (isBlank(command.resolutionNotes)) {
        issues.push({ field: 'resolutionNotes', message: 'are required to resolve' });
      }
      if (issues.length > 0) throw new ValidationError(issues);
      return {
        holdReason: undefined,
        resolutionCode: command.resolutionCode,
        resolutionNotes: command.resolutionNotes,
        resolvedAt: now,
      };
    }
    case 'close':
      return { closedAt: now };
    case 'reopen':
      return { resolutionCode: undefined, resolutionNotes: undefined, resolvedAt: undefined };
    case 'cancel':
      return { holdReason: undefined };
  }
}

function requireAssignmentGroup(incident: Incident): void {
  if (incident.assignmentGroup === undefined) {
    throw new ValidationError([
      { field: 'assignmentGroup', message: 'is required to work on an incident (In Progress)' },
    ]);
  }
}

/**
 * Where work resumes when the caller reopens or replies: In Progress, or New when the incident
 * has no assignment group, since moving to In Progress requires one.
 */
function workState(incident: Incident): IncidentState {
  return incident.assignmentGroup === undefined ? 'New' : 'In Progress';
}

export interface CommentEffect {
  incident: Incident;
  changes: FieldChange[];
  from: IncidentState;
  to: IncidentState;
}

/**
 * The caller's public reply to an incident awaiting them resumes it (workState). Only 'Awaiting Caller'
 * resumes: the other hold reasons wait on a change, a problem or a vendor, which a comment from
 * the caller does not settle. Returns undefined when the comment changes nothing.
 */
export function commentEffect(
  incident: Incident,
  comment: { visibility: 'public' | 'internal' },
  ctx: DomainContext,
): CommentEffect | undefined {
  const isCallerReply = comment.visibility === 'public' && ctx.actor.id === incident.caller;
  if (!isCallerReply || incident.state !== 'On Hold' || incident.holdReason !== 'Awaiting Caller') {
    return undefined;
  }
  const to = workState(incident);
  const { incident: next, changes } = revise(
    incident,
    { state: to, holdReason: undefined },
    ctx.now,
  );
  return { incident: next, changes, from: incident.state, to };
}
