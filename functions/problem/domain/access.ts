/**
 * Who may do what with problems.
 *
 * - Problems are internal to the service desk: agents and admins may do everything, requesters
 *   (and people without a role) may not even see them, so the API answers them 404.
 * - Machine clients are authorized by scope: `problems.write` lets them do what agents do,
 *   `problems.read` only lets them view. A person's scopes grant nothing.
 * - Detection and the incident follow-ups act as the system principal (shared/auth.ts), a client
 *   holding every scope, so they pass the same rules like any integration.
 */
import { type Principal, Scopes } from '../../../shared/auth';
import { ConflictError, ForbiddenError } from '../../../shared/errors';
import { isReadOnly, type Problem } from './model';

export { SYSTEM_PRINCIPAL as PROBLEM_SYSTEM_PRINCIPAL } from '../../../shared/auth';

function isStaff(principal: Principal): boolean {
  return principal.kind === 'user' && (principal.role === 'agent' || principal.role === 'admin');
}

function isWritingClient(principal: Principal): boolean {
  return principal.kind === 'client' && principal.scopes.has(Scopes.problemsWrite);
}

function isReadingClient(principal: Principal): boolean {
  return (
    principal.kind === 'client' &&
    (principal.scopes.has(Scopes.problemsRead) || principal.scopes.has(Scopes.problemsWrite))
  );
}

/** Viewing and listing problems, their links, comments and history. */
export function canView(principal: Principal): boolean {
  return isStaff(principal) || isReadingClient(principal);
}

/** Creating, patching, transitions, links, comments and communicating workarounds. */
export function canWrite(principal: Principal): boolean {
  return isStaff(principal) || isWritingClient(principal);
}

export function assertCanView(principal: Principal): void {
  if (!canView(principal)) throw new ForbiddenError('Not allowed to view problems.');
}

export function assertCanWrite(principal: Principal): void {
  if (!canWrite(principal)) {
    throw new ForbiddenError('Changing problems requires the agent role or problems.write.');
  }
}

/** Comments are work notes; nobody comments on a Closed, Duplicate or Canceled problem. */
export function assertCanComment(problem: Problem, principal: Principal): void {
  assertCanWrite(principal);
  if (isReadOnly(problem.state)) {
    throw new ConflictError(`A ${problem.state} problem is read-only.`);
  }
}
