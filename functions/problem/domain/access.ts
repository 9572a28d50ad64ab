/**
 * Who may do what with problems.
 *
 * - Problems are internal to the service desk: agents and admins may do everything, requesters
 *   (and people without a role) may not even see them, so the API answers them 404.
 * - Machine clients are authorized by scope: `problems.write` lets them do what agents do,
 *   `problems.read` only lets them view. A person's scopes grant nothing.
 * - Detection and the incident follow-ups act as PROBLEM_SYSTEM_PRINCIPAL, a client holding
 *   both scopes, so they pass the same rules as any integration.
 */
import { type Principal, RESOURCE_SERVER_ID } from '../../../shared/auth';
import { ConflictError, ForbiddenError } from '../../../shared/errors';
import { isReadOnly, type Problem } from './model';

/** OAuth scopes of the problem area, `<resource server id>/<scope>`. */
export const ProblemScopes = {
  problemsRead: `${RESOURCE_SERVER_ID}/problems.read`,
  problemsWrite: `${RESOURCE_SERVER_ID}/problems.write`,
} as const;

export const PROBLEM_SYSTEM_PRINCIPAL: Principal = Object.freeze({
  id: 'system',
  kind: 'client',
  role: undefined,
  scopes: new Set<string>([ProblemScopes.problemsRead, ProblemScopes.problemsWrite]),
});

function isStaff(principal: Principal): boolean {
  return principal.kind === 'user' && (principal.role === 'agent' || principal.role === 'admin');
}

function isWritingClient(principal: Principal): boolean {
  return principal.kind === 'client' && principal.scopes.has(ProblemScopes.problemsWrite);
}

function isReadingClient(principal: Principal): boolean {
  return (
    principal.kind === 'client' &&
    (principal.scopes.has(ProblemScopes.problemsRead) ||
      principal.scopes.has(ProblemScopes.problemsWrite))
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
