import { expect } from 'vitest';
import {
  DEFAULT_PRIORITY_MATRIX,
  type Incident,
  type PriorityContext,
  SYSTEM_PRINCIPAL,
} from '../../../functions/incident/domain';
import { type Principal, Scopes } from '../../../shared/auth';
import { type FieldIssue, ValidationError } from '../../../shared/errors';
import type { IncidentState } from '../../../shared/events/incidents';

export const CREATED_AT = '2025-03-01T08:00:00.000Z';
export const NOW = '2025-03-02T09:30:00.000Z';
export const CALLER_ID = 'caller-1';

export const principals = {
  caller: { id: CALLER_ID, kind: 'user', role: 'requester', scopes: new Set<string>() },
  otherRequester: { id: 'requester-2', kind: 'user', role: 'requester', scopes: new Set<string>() },
  agent: { id: 'agent-1', kind: 'user', role: 'agent', scopes: new Set<string>() },
  admin: { id: 'admin-1', kind: 'user', role: 'admin', scopes: new Set<string>() },
  roleless: { id: 'user-0', kind: 'user', role: undefined, scopes: new Set<string>() },
  writingClient: {
    id: 'client-w',
    kind: 'client',
    role: undefined,
    scopes: new Set([Scopes.incidentsWrite]),
  },
  readingClient: {
    id: 'client-r',
    kind: 'client',
    role: undefined,
    scopes: new Set([Scopes.incidentsRead]),
  },
  scopelessClient: { id: 'client-0', kind: 'client', role: undefined, scopes: new Set<string>() },
  // A person's scopes grant nothing: people are authorized by role.
  requesterWithWriteScope: {
    id: 'requester-3',
    kind: 'user',
    role: 'requester',
    scopes: new Set([Scopes.incidentsWrite]),
  },
  system: SYSTEM_PRINCIPAL,
} satisfies Record<string, Principal>;

export type PrincipalName = keyof typeof principals;
export const principalNames = Object.keys(principals) as PrincipalName[];

export function ctx(actor: Principal, now = NOW): PriorityContext {
  return { actor, now, priorityMatrix: DEFAULT_PRIORITY_MATRIX };
}

/** An incident in `state` that satisfies that state's invariants. */
export function anIncident(
  state: IncidentState = 'New',
  overrides: Partial<Incident> = {},
): Incident {
  const base: Incident = {
    id: 'inc-1',
    number: 'INC0001001',
    shortDescription: 'Mail is down',
    caller: CALLER_ID,
    impact: 2,
    urgency: 2,
    priority: 3,
    assignmentGroup: 'service-desk',
    channel: 'portal',
    state,
    childCount: 0,
    openedBy: CALLER_ID,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    version: 3,
  };
  const byState: Partial<Record<IncidentState, Partial<Incident>>> = {
    'On Hold': { holdReason: 'Awaiting Vendor' },
    Resolved: {
      resolutionCode: 'Solved (Workaround)',
      resolutionNotes: 'Restarted the relay',
      resolvedAt: CREATED_AT,
    },
    Closed: {
      resolutionCode: 'Solved (Workaround)',
      resolutionNotes: 'Restarted the relay',
      resolvedAt: CREATED_AT,
      closedAt: CREATED_AT,
    },
  };
  return { ...base, ...byState[state], ...overrides };
}

/** The error `attempt` throws; fails the test when it throws nothing. */
export function thrownBy(attempt: () => unknown): unknown {
  try {
    attempt();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

/** The field issues of the ValidationError `attempt` throws. */
export function validationIssues(attempt: () => unknown): FieldIssue[] {
  const error = thrownBy(attempt);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues;
}
