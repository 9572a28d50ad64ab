/**
 * What a problem's state change means for each incident linked to it, as a plan. The problem
 * area never changes an incident directly: the incident area's consumer of ProblemStateChanged
 * applies each plan as the system, through the incident's own rules, so every incident keeps
 * its own history and events. Plans are idempotent: a resolve is planned only for an incident
 * still open, and a note carries an id derived from the problem's version and the incident, so
 * a replayed event writes nothing new. Pure; shared because both areas speak it.
 */

import {
  type HoldReason,
  type IncidentState,
  isOpenIncidentState as isOpen,
  type ResolutionCode,
} from '../events/incidents';
import type { ProblemSnapshot, ProblemState } from '../events/problems';
import { derivedId } from './ids';
import { isBlank } from './values';

/** What the follow-up needs to know of an incident. */
export interface IncidentRef {
  id: string;
  state: IncidentState;
  holdReason?: HoldReason;
  configurationItem?: string;
}

/** A problem's state change, as its ProblemStateChanged event carries it. */
export interface ProblemTransition {
  /** The problem after the transition. */
  problem: ProblemSnapshot;
  action: string;
  from: ProblemState;
  to: ProblemState;
}

/**
 * The problem actions whose state changes have follow-ups (see incidentFollowUp): the incident
 * area's rule lets only these through, so the others cost nothing.
 */
export const FOLLOWED_PROBLEM_ACTIONS = ['resolve', 'cancel'] as const;

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
