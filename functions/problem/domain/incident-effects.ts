/**
 * What a problem's changes mean for its linked incidents, as plans. The problem area never
 * changes an incident directly: a consumer of the problem's events applies each plan to the
 * incident as the system, through the incident's own rules, so every incident keeps its own
 * history and events. Plans are idempotent: a resolve is planned only for an incident still
 * open, and each note carries an id derived from what it says, so a replay writes nothing new.
 */
import type { Principal } from '../../../shared/auth';
import { derivedId } from '../../../shared/domain/ids';
import { isBlank } from '../../../shared/domain/values';
import { ConflictError, ValidationError } from '../../../shared/errors';
import { isOpenIncidentState as isOpen } from '../../../shared/events/incidents';
import { assertCanWrite } from './access';
import { type IncidentRef, isReadOnly, type Problem } from './model';

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
