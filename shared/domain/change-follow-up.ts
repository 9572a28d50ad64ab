/**
 * What a change's end means for each problem linked to it, as a plan. The change area never
 * changes a problem directly: the problem area's consumer of ChangeStateChanged applies each
 * step as the system, through the problem's own rules, so every problem keeps its own history
 * and events. Plans are idempotent: steps are planned from the problem's current state, so a
 * replayed event finds the problem moved on and plans nothing (or only what is left), and a
 * note carries an id derived from the change's version and the problem. Pure; shared because
 * both areas speak it.
 */

import { type ChangeSnapshot, type ChangeState, isSuccessfulOutcome } from '../events/changes';
import type { ProblemResolutionCode, ProblemState } from '../events/problems';
import { derivedId } from './ids';
import { isBlank } from './values';

/** What the follow-up needs to know of a problem. */
export interface ProblemRef {
  id: string;
  state: ProblemState;
  rootCause?: string;
}

/** A change's state change, as its ChangeStateChanged event carries it. */
export interface ChangeTransition {
  /** The change after the transition. */
  change: ChangeSnapshot;
  action: string;
  from: ChangeState;
  to: ChangeState;
}

export const FIXED_BY_CHANGE = 'Fix Applied' satisfies ProblemResolutionCode;

/** Problem transition commands (its `fix`, `resolve`) or a work note on it, in order. */
export type ProblemFollowUpStep =
  | { action: 'fix'; comment: string }
  | { action: 'resolve'; resolutionCode: typeof FIXED_BY_CHANGE; resolutionNotes: string }
  | { action: 'addWorkNote'; commentId: string; body: string };

const STILL_WORKED_ON: readonly ProblemState[] = [
  'New',
  'Assess',
  'Root Cause Analysis',
  'Fix in Progress',
];

/**
 * The follow-up of one linked problem, as steps to apply in order (none: nothing to do):
 * - closed after a successful implementation (with or without issues): the fix is in, so the
 *   problem is resolved "Fix Applied", which is the problem's "resolved, pending
 *   verification" (closing it is the verification). From Fix in Progress directly; from Root
 *   Cause Analysis through `fix` first, when its root cause is documented. A problem not that
 *   far (no root cause, or still New or Assess) gets a note instead: someone must document the
 *   cause before the fix can count.
 * - closed after a failed or backed-out implementation, or canceled: a note, since the fix the
 *   problem may be waiting for is not in place.
 * - anything else, or a problem no longer worked on: nothing.
 */
export function problemFollowUp(
  transition: ChangeTransition,
  problem: ProblemRef,
): ProblemFollowUpStep[] {
  const { change } = transition;
  if (!STILL_WORKED_ON.includes(problem.state)) return [];
  const note = (body: string): ProblemFollowUpStep[] => [
    {
      action: 'addWorkNote',
      commentId: derivedId('change-follow-up', change.id, change.version, problem.id),
      body,
    },
  ];
  const notes = isBlank(change.outcomeNotes) ? '' : ` ${change.outcomeNotes}`;
  if (transition.to === 'Canceled') {
    return note(`${change.number} was canceled: no fix from it.${cancelNote(change)}`);
  }
  if (transition.to !== 'Closed') return [];
  if (!isSuccessfulOutcome(change.outcome)) {
    return note(`${change.number} closed as ${change.outcome}: its fix is not in place.${notes}`);
  }
  const how = change.outcome === 'successful' ? 'successfully' : 'with issues';
  const resolve: ProblemFollowUpStep = {
    action: 'resolve',
    resolutionCode: FIXED_BY_CHANGE,
    resolutionNotes: `Fixed by ${change.number}, implemented ${how} and closed; pending verification.${notes}`,
  };
  if (problem.state === 'Fix in Progress') return [resolve];
  if (problem.state === 'Root Cause Analysis' && !isBlank(problem.rootCause)) {
    return [{ action: 'fix', comment: `The fix was implemented by ${change.number}.` }, resolve];
  }
  return note(
    `${change.number} implemented a fix ${how}. Document the root cause, then resolve this problem once the fix is verified.`,
  );
}

function cancelNote(change: ChangeSnapshot): string {
  return isBlank(change.cancelReason) ? '' : ` Reason: ${change.cancelReason}`;
}
