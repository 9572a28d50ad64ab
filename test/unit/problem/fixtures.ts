import {
  type IncidentRef,
  PROBLEM_SYSTEM_PRINCIPAL,
  type PriorityContext,
  type Problem,
  type ProblemState,
} from '../../../functions/problem/domain';
import { type Principal, Scopes } from '../../../shared/auth';
import { DEFAULT_PRIORITY_MATRIX } from '../../../shared/domain/priority';
import type { IncidentState } from '../../../shared/events/incidents';

export { thrownBy, validationIssues } from '../incident/fixtures';

export const CREATED_AT = '2025-03-01T08:00:00.000Z';
export const NOW = '2025-03-02T09:30:00.000Z';

export const principals = {
  agent: { id: 'agent-1', kind: 'user', role: 'agent', scopes: new Set<string>() },
  admin: { id: 'admin-1', kind: 'user', role: 'admin', scopes: new Set<string>() },
  requester: { id: 'requester-1', kind: 'user', role: 'requester', scopes: new Set<string>() },
  roleless: { id: 'user-0', kind: 'user', role: undefined, scopes: new Set<string>() },
  writingClient: {
    id: 'client-w',
    kind: 'client',
    role: undefined,
    scopes: new Set([Scopes.problemsWrite]),
  },
  readingClient: {
    id: 'client-r',
    kind: 'client',
    role: undefined,
    scopes: new Set([Scopes.problemsRead]),
  },
  // Incident scopes grant nothing on problems.
  incidentClient: {
    id: 'client-i',
    kind: 'client',
    role: undefined,
    scopes: new Set([Scopes.incidentsRead, Scopes.incidentsWrite]),
  },
  // A person's scopes grant nothing: people are authorized by role.
  requesterWithWriteScope: {
    id: 'requester-2',
    kind: 'user',
    role: 'requester',
    scopes: new Set([Scopes.problemsWrite]),
  },
  system: PROBLEM_SYSTEM_PRINCIPAL,
} satisfies Record<string, Principal>;

export type PrincipalName = keyof typeof principals;
export const principalNames = Object.keys(principals) as PrincipalName[];
export const WRITERS: readonly PrincipalName[] = ['agent', 'admin', 'writingClient', 'system'];
export const READERS: readonly PrincipalName[] = [...WRITERS, 'readingClient'];

export function ctx(actor: Principal = principals.agent, now = NOW): PriorityContext {
  return { actor, now, priorityMatrix: DEFAULT_PRIORITY_MATRIX };
}

/** A problem in `state` that satisfies that state's invariants. */
export function aProblem(state: ProblemState = 'New', overrides: Partial<Problem> = {}): Problem {
  const base: Problem = {
    id: 'prb-1',
    number: 'PRB0001001',
    shortDescription: 'Mail relay drops messages',
    impact: 2,
    urgency: 2,
    priority: 3,
    assignmentGroup: 'problem-management',
    assignee: 'agent-1',
    state,
    knownError: false,
    linkedIncidentCount: 2,
    source: 'manual',
    openedBy: 'agent-1',
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    version: 4,
  };
  const resolved: Partial<Problem> = {
    rootCause: 'Queue disk full',
    resolutionCode: 'Fix Applied',
    resolutionNotes: 'Moved the queue to a larger disk',
    resolvedAt: CREATED_AT,
  };
  const byState: Partial<Record<ProblemState, Partial<Problem>>> = {
    'Fix in Progress': { rootCause: 'Queue disk full' },
    Resolved: resolved,
    Closed: { ...resolved, closedAt: CREATED_AT },
    Duplicate: { duplicateOf: 'prb-kept', linkedIncidentCount: 0 },
  };
  return { ...base, ...byState[state], ...overrides };
}

export function anIncidentRef(
  id: string,
  state: IncidentState = 'In Progress',
  overrides: Partial<IncidentRef> = {},
): IncidentRef {
  return { id, state, configurationItem: 'ci-mail', ...overrides };
}
