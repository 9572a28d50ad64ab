/**
 * Who may do what with changes.
 *
 * - Changes are internal to IT: agents and admins may view and work on them; requesters (and
 *   people without a role) may not.
 * - Machine clients are authorized by scope: `changes.write` lets them do what agents do (a
 *   pipeline raising a standard change), `changes.read` only lets them view (and ask the gate).
 *   A person's scopes grant nothing.
 * - Authorization decisions (approve, reject) are the approval workflow's alone, acting as the
 *   system principal: people vote (approvals.ts), they do not approve a change directly.
 * - Voting is not a matter of role: whoever the approval plan names (or their delegate) votes.
 */
import { isSystemPrincipal, type Principal, Scopes } from '../../../shared/auth';
import { ForbiddenError } from '../../../shared/errors';

function isStaff(principal: Principal): boolean {
  return principal.kind === 'user' && (principal.role === 'agent' || principal.role === 'admin');
}

function isClientWith(principal: Principal, scopes: readonly string[]): boolean {
  return principal.kind === 'client' && scopes.some((scope) => principal.scopes.has(scope));
}

/** Viewing and listing changes, conflicts, the calendar, releases; asking the gate. */
export function canView(principal: Principal): boolean {
  return isStaff(principal) || isClientWith(principal, [Scopes.changesRead, Scopes.changesWrite]);
}

/** Creating, patching, transitions other than decisions, comments. */
export function canWrite(principal: Principal): boolean {
  return isStaff(principal) || isClientWith(principal, [Scopes.changesWrite]);
}

/** Recording an authorization decision: the approval workflow only. */
export function canDecide(principal: Principal): boolean {
  return isSystemPrincipal(principal);
}

export function assertCanView(principal: Principal): void {
  if (!canView(principal)) throw new ForbiddenError('Not allowed to view changes.');
}

export function assertCanWrite(principal: Principal): void {
  if (!canWrite(principal)) {
    throw new ForbiddenError('Changing changes requires the agent role or changes.write.');
  }
}
