/**
 * What a problem's changes mean for its linked incidents, as plans. The problem area never
 * changes an incident directly: a consumer of the problem's events applies each plan to the
 * incident as the system, through the incident's own rules, so every incident keeps its own
 * history and events. Plans are idempotent: a resolve is planned only for an incident still
 * open, and each note carries an id derived from what it says, so a replay writes nothing new.
 */
import type { Principal } from '../../../shared/auth';
import { isBlank } from '../../../shared/domain/values';
import { ConflictError, ValidationError } from '../../../shared/errors';
import type { ResolutionCode } from '../../../shared/events/incidents';
import { isOpenIncidentState as isOpen } from '../../../shared/events/incidents';
import { assertCanWrite } from './access';
import { derivedId } from './ids';
import {
  type IncidentRef,
  isReadOnly,
  type Problem,
  type ProblemAction,
  type ProblemState,
} from './model';

/** An internal work note on an incident; `commentId` makes writing it idempotent. */
export interface IncidentWorkNote {
  incidentId: string;
  commentId: string;
  body: string;
}

/**
 * "Communicate workaround": the work note for each linked incident still open. Resolved,
 * Closed and Canceled incidents are past needing it. The note's id depends on the workaround
 * text, so communicating it again adds nothing and communicating a revised one adds a note.
 */
export function workaroundNotes(
  problem: Problem,
  linkedIncidents: readonly IncidentRef[],
  actor: Principal,
): IncidentWorkNote[] {
  assertCanWrite(actor);
  if (isReadOnly(problem.state)) {
    throw new ConflictError(`A ${problem.state} problem is read-only.`);
  }
  const { workaround } = problem;
  if (workaround === undefined || isBlank(workaround)) {
    throw new ValidationError([
      { field: 'workaround', message: 'must be documented before it is communicated' },
    ]);
  }
  const openIncidentIds = new Set(
    linkedIncidents.filter((incident) => isOpen(incident.state)).map((incident) => incident.id),
  );
  return [...openIncidentIds].map((incidentId) => ({
    incidentId,
    commentId: derivedId('workaround', problem.id, workaround, incidentId),
    body: `Workaround from ${problem.number}: ${workaround}`,
  }));
}

/** A problem's state change, as its ProblemStateChanged event carries it. */
export interface ProblemTransition {
  /** The problem after the transition. */
  problem: Problem;
  action: ProblemAction;
  from: ProblemState;
  to: ProblemState;
}

export const RESOLVED_BY_PROBLEM = 'Resolved by Problem' satisfies ResolutionCode;

/** Either a transition command for the incident (its `resolve`) or a work note on it. */
export type IncidentFollowUp =
  | { action: 'resolve'; resolutionCode: typeof RESOLVED_BY_PROBLEM; resolutionNotes: string }
  | { action: 'addWorkNote'; commentId: string; body: string };

/**
 * The follow-up of one linked incident, or undefined:
 * - resolved with Fix Applied: incidents On Hold 'Awaiting Problem' are resolved "Resolved by
 *   Problem" with the problem's notes (their callers learn it from the incident's events).
 *   Other open incidents only get a note: they were not waiting for the fix, so an agent
 *   checks whether it solved them rather than the system closing them unasked.
 * - resolved with Risk Accepted, or canceled: open incidents get a note (with the workaround
 *   when there is one), since no fix will follow; those awaiting the problem stay On Hold
 *   until an agent resumes them with that news.
 * - anything else, or an incident no longer open: nothing. Duplicates need nothing here:
 *   their links move to the kept problem, which then decides (see duplicateMerge).
 */
export function incidentFollowUp(
  change: ProblemTransition,
  incident: IncidentRef,
): IncidentFollowUp | undefined {
  const { problem } = change;
  if (!isOpen(incident.state)) return undefined;
  const note = (body: string): IncidentFollowUp => ({
    action: 'addWorkNote',
    commentId: derivedId('problem-follow-up', problem.id, problem.version, incident.id),
    body,
  });
  const workaround = isBlank(problem.workaround) ? '' : ` Workaround: ${problem.workaround}`;
  switch (change.action) {
    case 'resolve': {
      const { resolutionCode, resolutionNotes } = problem;
      if (resolutionCode === undefined || resolutionNotes === undefined) {
        throw new Error(`Resolved problem ${problem.id} has no resolution to follow.`);
      }
      if (resolutionCode === 'Risk Accepted') {
        return note(
          `${problem.number} was resolved with the risk accepted; no fix will follow: ${resolutionNotes}.${workaround}`,
        );
      }
      if (incident.state === 'On Hold' && incident.holdReason === 'Awaiting Problem') {
        return {
          action: 'resolve',
          resolutionCode: RESOLVED_BY_PROBLEM,
          resolutionNotes: `Fixed by ${problem.number}: ${resolutionNotes}`,
        };
      }
      return note(
        `${problem.number} was resolved with a fix applied: ${resolutionNotes}. Check whether it solves this incident too.`,
      );
    }
    case 'cancel':
      return note(`${problem.number} was canceled; no fix will follow.${workaround}`);
    default:
      return undefined;
  }
}
