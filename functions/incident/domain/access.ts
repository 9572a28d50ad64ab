/**
 * Who may do what with incidents.
 *
 * - People are authorized by role, machine clients by OAuth scope; a person's scopes and a
 *   client's (absent) role are ignored. A person without a role may do nothing.
 * - Requesters see only incidents where they are the caller. They may create incidents (always
 *   as their own caller, without triage fields: impact, assignment, parent), add public
 *   comments, cancel their own New incident and close or reopen their own Resolved incident.
 *   They cannot PATCH: every patch field is forbidden to them, so the response names the fields.
 * - Agents and admins may do everything. Clients with `incidents.write` may do what agents do;
 *   `incidents.read` only lets them view.
 * - The system (parent/child sync, auto-close) acts as a machine client holding both scopes,
 *   so it passes the same rules like any integration without a special case. Its id `system`
 *   cannot collide with a Cognito client id (26 random characters) or a user `sub` (a UUID).
 */
import { type Principal, Scopes } from '../../../shared/auth';
import { ConflictError, ForbiddenError, ValidationError } from '../../../shared/errors';
import {
  type Incident,
  type IncidentAction,
  IncidentPatchFields,
  isFinal,
  type NewIncidentInput,
} from './model';

export { isSystemPrincipal, SYSTEM_PRINCIPAL } from '../../../shared/auth';

const CREATE_FIELDS_FORBIDDEN_TO_REQUESTERS = [
  'caller',
  'impact',
  'assignmentGroup',
  'assignee',
  'parentId',
] as const satisfies readonly (keyof NewIncidentInput)[];

const REQUESTER_ACTIONS: Readonly<Partial<Record<IncidentAction, Incident['state']>>> = {
  cancel: 'New',
  close: 'Resolved',
  reopen: 'Resolved',
};

function isStaff(principal: Principal): boolean {
  return principal.kind === 'user' && (principal.role === 'agent' || principal.role === 'admin');
}

function isRequester(principal: Principal): boolean {
  return principal.kind === 'user' && principal.role === 'requester';
}

function isWritingClient(principal: Principal): boolean {
  return principal.kind === 'client' && principal.scopes.has(Scopes.incidentsWrite);
}

function isCallerOf(incident: Incident, principal: Principal): boolean {
  return isRequester(principal) && incident.caller === principal.id;
}

function isReadingClient(principal: Principal): boolean {
  return (
    principal.kind === 'client' &&
    (principal.scopes.has(Scopes.incidentsRead) || principal.scopes.has(Scopes.incidentsWrite))
  );
}

export function canView(incident: Incident, principal: Principal): boolean {
  if (principal.kind === 'client') return isReadingClient(principal);
  return isStaff(principal) || isCallerOf(incident, principal);
}

/** Listing: people by role (requesters see their own only), clients with an incident scope. */
export function assertCanList(principal: Principal): void {
  if (!(isStaff(principal) || isRequester(principal) || isReadingClient(principal))) {
    throw new ForbiddenError('Not allowed to list incidents.');
  }
}

export function assertCanCreate(principal: Principal): void {
  if (!(isStaff(principal) || isRequester(principal) || isWritingClient(principal))) {
    throw new ForbiddenError('Creating incidents requires a role or the incidents.write scope.');
  }
}

export function assertCanUpdate(principal: Principal): void {
  if (!(isStaff(principal) || isWritingClient(principal))) {
    throw new ForbiddenError('Updating incidents requires the agent role or incidents.write.');
  }
}

export function forbiddenCreateFields(principal: Principal): readonly string[] {
  return isRequester(principal) ? CREATE_FIELDS_FORBIDDEN_TO_REQUESTERS : [];
}

export function forbiddenPatchFields(principal: Principal): readonly string[] {
  return isRequester(principal) ? IncidentPatchFields : [];
}

/** Throws a ValidationError naming every field in `input` the principal may not set. */
export function assertNoForbiddenFields(
  input: object,
  forbiddenFields: readonly string[],
  principal: Principal,
): void {
  const present = forbiddenFields.filter(
    (field) => (input as Record<string, unknown>)[field] !== undefined,
  );
  if (present.length > 0) {
    throw new ValidationError(
      present.map((field) => ({
        field,
        message: `may not be set by a ${principal.role ?? principal.kind}`,
      })),
    );
  }
}

/** Whether the principal may perform the action, the state machine permitting. */
export function mayPerform(
  action: IncidentAction,
  incident: Incident,
  principal: Principal,
): boolean {
  if (isStaff(principal) || isWritingClient(principal)) return true;
  return isCallerOf(incident, principal) && REQUESTER_ACTIONS[action] === incident.state;
}

/** Requesters may add public comments only; nobody comments on a closed or canceled incident. */
export function assertCanComment(
  incident: Incident,
  visibility: 'public' | 'internal',
  principal: Principal,
): void {
  const mayWrite =
    isStaff(principal) || isWritingClient(principal) || isCallerOf(incident, principal);
  if (!mayWrite) throw new ForbiddenError('Not allowed to comment on this incident.');
  if (isRequester(principal) && visibility === 'internal') {
    throw new ValidationError([
      { field: 'visibility', message: 'requesters may only add public comments' },
    ]);
  }
  if (isFinal(incident.state)) {
    throw new ConflictError(`A ${incident.state} incident is read-only.`);
  }
}
