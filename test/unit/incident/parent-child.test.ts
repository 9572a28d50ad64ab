import { describe, expect, it } from 'vitest';
import {
  childFollowUp,
  type Incident,
  type ParentTransition,
  SYSTEM_PRINCIPAL,
  type TransitionCommand,
  transition,
  validateParentLink,
} from '../../../functions/incident/domain';
import type { Principal } from '../../../shared/auth';
import { type HoldReason, HoldReasons, type IncidentState } from '../../../shared/events/incidents';
import { anIncident, ctx, NOW, type PrincipalName, principals, validationIssues } from './fixtures';

const PARENT_ID = 'inc-parent';

function aParent(state: IncidentState, overrides: Partial<Incident> = {}): Incident {
  return anIncident(state, { id: PARENT_ID, number: 'INC0000900', childCount: 2, ...overrides });
}

function parentTransition(
  before: Incident,
  command: TransitionCommand,
  actor: Principal,
): ParentTransition {
  const { incident, from, to } = transition(before, command, ctx(actor));
  return { parent: incident, action: command.action, from, to, actor };
}

const agent = principals.agent;

/** Every transition a parent can go through, each applied for real. */
const PARENT_TRANSITIONS: Record<string, ParentTransition> = {
  start: parentTransition(aParent('New'), { action: 'start' }, agent),
  ...Object.fromEntries(
    HoldReasons.map((holdReason) => [
      `hold ${holdReason}`,
      parentTransition(
        aParent('In Progress'),
        { action: 'hold', holdReason, comment: 'Details please' },
        agent,
      ),
    ]),
  ),
  'hold reason changed to Awaiting Change': parentTransition(
    aParent('On Hold', { holdReason: 'Awaiting Caller' }),
    { action: 'hold', holdReason: 'Awaiting Change' },
    agent,
  ),
  resume: parentTransition(aParent('On Hold'), { action: 'resume' }, agent),
  resolve: parentTransition(
    aParent('In Progress'),
    { action: 'resolve', resolutionCode: 'Solved (Permanently)', resolutionNotes: 'Replaced disk' },
    agent,
  ),
  close: parentTransition(aParent('Resolved'), { action: 'close' }, agent),
  cancel: parentTransition(aParent('New'), { action: 'cancel' }, agent),
  ...Object.fromEntries(
    (['agent', 'admin', 'caller', 'writingClient', 'system'] as PrincipalName[]).map((name) => [
      `reopen by ${name}`,
      parentTransition(aParent('Resolved'), { action: 'reopen' }, principals[name]),
    ]),
  ),
};

const CHILD_STATES: Record<string, Incident> = {
  New: aChild('New'),
  'In Progress': aChild('In Progress'),
  ...Object.fromEntries(
    HoldReasons.map((holdReason) => [`On Hold ${holdReason}`, aChild('On Hold', { holdReason })]),
  ),
  Resolved: aChild('Resolved'),
  Closed: aChild('Closed'),
  Canceled: aChild('Canceled'),
};

function aChild(state: IncidentState, overrides: Partial<Incident> = {}): Incident {
  return anIncident(state, { id: 'inc-child', parentId: PARENT_ID, ...overrides });
}

const OPEN_CHILDREN = ['New', 'In Progress', ...HoldReasons.map((reason) => `On Hold ${reason}`)];

function holdFollowUp(reason: HoldReason, child: string): TransitionCommand | undefined {
  if (reason === 'Awaiting Caller') return undefined;
  if (!OPEN_CHILDREN.includes(child) || child === `On Hold ${reason}`) return undefined;
  return { action: 'hold', holdReason: reason };
}

/** The reference's parent/child rules, one expectation per parent transition and child state. */
function expectedFollowUp(parentCase: string, child: string): TransitionCommand | undefined {
  const hold = HoldReasons.find((reason) => parentCase === `hold ${reason}`);
  if (hold) return holdFollowUp(hold, child);
  if (parentCase === 'hold reason changed to Awaiting Change') {
    return holdFollowUp('Awaiting Change', child);
  }
  if (parentCase === 'resolve') {
    return OPEN_CHILDREN.includes(child)
      ? {
          action: 'resolve',
          resolutionCode: 'Solved (Permanently)',
          resolutionNotes: 'Replaced disk',
        }
      : undefined;
  }
  if (parentCase === 'reopen by agent' || parentCase === 'reopen by admin') {
    return child === 'Resolved' ? { action: 'reopen' } : undefined;
  }
  return undefined;
}

describe('childFollowUp', () => {
  const cases = Object.keys(PARENT_TRANSITIONS).flatMap((parentCase) =>
    Object.keys(CHILD_STATES).map((child) => ({
      parentCase,
      child,
      expected: expectedFollowUp(parentCase, child),
    })),
  );

  it.each(cases)('parent $parentCase, child $child', ({ parentCase, child, expected }) => {
    const change = PARENT_TRANSITIONS[parentCase] as ParentTransition;
    const childIncident = CHILD_STATES[child] as Incident;
    const followUp = childFollowUp(change, childIncident);
    expect(followUp).toEqual(expected);
    if (followUp) {
      // The system applies the follow-up; it must be allowed for it.
      const result = transition(childIncident, followUp, { actor: SYSTEM_PRINCIPAL, now: NOW });
      expect(result.incident.state).toBe(change.to);
    }
  });

  it('copies the resolution of the parent', () => {
    const change = parentTransition(
      aParent('In Progress'),
      { action: 'resolve', resolutionCode: 'Resolved by Problem', resolutionNotes: 'See PRB1' },
      agent,
    );
    const followUp = childFollowUp(change, aChild('New'));
    expect(followUp).toEqual({
      action: 'resolve',
      resolutionCode: 'Resolved by Problem',
      resolutionNotes: 'See PRB1',
    });
  });
});

describe('validateParentLink', () => {
  it('accepts an open parent without a parent of its own', () => {
    for (const state of ['New', 'In Progress', 'On Hold', 'Resolved'] as const) {
      expect(() => validateParentLink(aChild('New'), aParent(state))).not.toThrow();
    }
  });

  it('rejects linking an incident to itself', () => {
    const incident = anIncident('New');
    expect(validationIssues(() => validateParentLink(incident, incident))).toEqual([
      expect.objectContaining({ field: 'parentId', message: expect.stringMatching(/own parent/) }),
    ]);
  });

  it('rejects a parent that is itself a child', () => {
    const parent = aParent('New', { parentId: 'inc-grandparent' });
    expect(validationIssues(() => validateParentLink(aChild('New'), parent))).toEqual([
      expect.objectContaining({ field: 'parentId', message: expect.stringMatching(/one level/) }),
    ]);
  });

  it('rejects a child that has children', () => {
    const child = aChild('New', { childCount: 1 });
    expect(validationIssues(() => validateParentLink(child, aParent('New')))).toEqual([
      expect.objectContaining({ field: 'parentId', message: expect.stringMatching(/children/) }),
    ]);
  });

  it.each(['Closed', 'Canceled'] as const)('rejects a %s parent', (state) => {
    expect(validationIssues(() => validateParentLink(aChild('New'), aParent(state)))).toEqual([
      expect.objectContaining({ field: 'parentId', message: expect.stringContaining(state) }),
    ]);
  });

  it('names every problem at once', () => {
    const child = aChild('New', { childCount: 3 });
    const parent = aParent('Closed', { parentId: 'inc-grandparent' });
    expect(validationIssues(() => validateParentLink(child, parent))).toHaveLength(3);
  });
});
