import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  type ProblemAction,
  ProblemActions,
  type ProblemResolutionCode,
  type ProblemState,
  ProblemStates,
  type ProblemTransitionCommand,
  transition,
  validateDuplicateTarget,
} from '../../../functions/problem/domain';
import { ForbiddenError, InvalidTransitionError, ValidationError } from '../../../shared/errors';
import {
  aProblem,
  CREATED_AT,
  ctx,
  NOW,
  type PrincipalName,
  principalNames,
  principals,
  thrownBy,
  validationIssues,
  WRITERS,
} from './fixtures';

// The reference lifecycle, written out rather than read from the implementation.
const ALLOWED_BY_STATE: Record<ProblemState, ProblemAction[]> = {
  New: ['assess'],
  Assess: ['analyse', 'markDuplicate', 'cancel'],
  'Root Cause Analysis': ['fix', 'resolve'],
  'Fix in Progress': ['resolve', 'reanalyse'],
  Resolved: ['close', 'reanalyse'],
  Closed: ['reanalyse'],
  Duplicate: [],
  Canceled: [],
};

const TARGET: Record<ProblemAction, ProblemState> = {
  assess: 'Assess',
  analyse: 'Root Cause Analysis',
  fix: 'Fix in Progress',
  resolve: 'Resolved',
  close: 'Closed',
  reanalyse: 'Root Cause Analysis',
  markDuplicate: 'Duplicate',
  cancel: 'Canceled',
};

/** A valid command for each action in every state that allows it. */
const COMMANDS: Record<ProblemAction, ProblemTransitionCommand> = {
  assess: { action: 'assess' },
  analyse: { action: 'analyse' },
  fix: { action: 'fix', rootCause: 'Queue disk full' },
  resolve: {
    action: 'resolve',
    resolutionCode: 'Risk Accepted',
    resolutionNotes: 'Relay is retired next quarter',
  },
  close: { action: 'close' },
  reanalyse: { action: 'reanalyse' },
  markDuplicate: { action: 'markDuplicate', duplicateOf: 'prb-kept' },
  cancel: { action: 'cancel' },
};

function expectedAllowed(state: ProblemState, name: PrincipalName): ProblemAction[] {
  return WRITERS.includes(name) ? ALLOWED_BY_STATE[state] : [];
}

describe('allowedActions', () => {
  const cases = ProblemStates.flatMap((state) => principalNames.map((name) => ({ state, name })));
  it.each(cases)('$state for $name', ({ state, name }) => {
    expect(allowedActions(aProblem(state), principals[name])).toEqual(expectedAllowed(state, name));
  });
});

describe('transition: every state x action x principal', () => {
  const cases = ProblemStates.flatMap((state) =>
    ProblemActions.flatMap((action) =>
      principalNames.map((name) => {
        const outcome = !ALLOWED_BY_STATE[state].includes(action)
          ? 'invalid'
          : WRITERS.includes(name)
            ? 'ok'
            : 'forbidden';
        return { state, action, name, outcome };
      }),
    ),
  );

  it.each(cases)('$state + $action by $name: $outcome', ({ state, action, name, outcome }) => {
    const problem = aProblem(state);
    const attempt = () => transition(problem, COMMANDS[action], ctx(principals[name]));
    if (outcome === 'invalid') {
      const error = thrownBy(attempt);
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect(error).toMatchObject({
        action,
        state,
        allowedActions: expectedAllowed(state, name),
      });
      return;
    }
    if (outcome === 'forbidden') {
      expect(attempt).toThrow(ForbiddenError);
      return;
    }
    const result = attempt();
    expect(result.from).toBe(state);
    expect(result.to).toBe(TARGET[action]);
    expect(result.problem.state).toBe(TARGET[action]);
    expect(result.problem.version).toBe(problem.version + 1);
    expect(result.problem.updatedAt).toBe(NOW);
    expect(result.changes).toContainEqual({ field: 'state', old: state, new: TARGET[action] });
    expect(result.changes.map((change) => change.field)).not.toContain('version');
    expect(result.changes.map((change) => change.field)).not.toContain('updatedAt');
  });
});

describe('transition rules', () => {
  const agent = ctx(principals.agent);

  it('does not modify the problem it is given', () => {
    const problem = aProblem('Resolved');
    const copy = structuredClone(problem);
    transition(problem, COMMANDS.reanalyse, agent);
    expect(problem).toEqual(copy);
  });

  it('walks the whole lifecycle and back from Closed to Root Cause Analysis', () => {
    const steps: ProblemTransitionCommand[] = [
      { action: 'assess' },
      { action: 'analyse' },
      { action: 'fix', rootCause: 'Queue disk full' },
      { action: 'resolve', resolutionCode: 'Fix Applied', resolutionNotes: 'Bigger disk' },
      { action: 'close' },
      { action: 'reanalyse', comment: 'It is back' },
    ];
    let problem = aProblem('New', { version: 1 });
    const visited: ProblemState[] = [problem.state];
    for (const command of steps) {
      problem = transition(problem, command, agent).problem;
      visited.push(problem.state);
    }
    expect(visited).toEqual([
      'New',
      'Assess',
      'Root Cause Analysis',
      'Fix in Progress',
      'Resolved',
      'Closed',
      'Root Cause Analysis',
    ]);
    expect(problem.version).toBe(7);
  });

  it('returns a non-blank comment as a work note, and none for a blank one', () => {
    const noted = transition(
      aProblem('Assess'),
      { action: 'cancel', comment: 'Not a problem' },
      agent,
    );
    expect(noted.workNote).toBe('Not a problem');
    const blank = transition(aProblem('Assess'), { action: 'cancel', comment: '  ' }, agent);
    expect(blank).not.toHaveProperty('workNote');
  });

  it('assess requires an assignment group', () => {
    const problem = aProblem('New', { assignmentGroup: undefined, assignee: undefined });
    expect(validationIssues(() => transition(problem, COMMANDS.assess, agent))).toEqual([
      expect.objectContaining({ field: 'assignmentGroup' }),
    ]);
  });

  it('analyse requires an assignee, and changes only the state', () => {
    const unassigned = aProblem('Assess', { assignee: undefined });
    expect(validationIssues(() => transition(unassigned, COMMANDS.analyse, agent))).toEqual([
      expect.objectContaining({ field: 'assignee' }),
    ]);
    expect(transition(aProblem('Assess'), COMMANDS.analyse, agent).changes).toEqual([
      { field: 'state', old: 'Assess', new: 'Root Cause Analysis' },
    ]);
  });

  describe('fix', () => {
    it.each([undefined, '', '   '])(
      'requires a root cause (given %j, none documented)',
      (rootCause) => {
        const problem = aProblem('Root Cause Analysis');
        expect(
          validationIssues(() => transition(problem, { action: 'fix', rootCause }, agent)),
        ).toEqual([expect.objectContaining({ field: 'rootCause' })]);
      },
    );

    it('keeps the documented root cause when the command brings none', () => {
      const problem = aProblem('Root Cause Analysis', { rootCause: 'Expired certificate' });
      const result = transition(problem, { action: 'fix' }, agent);
      expect(result.problem.rootCause).toBe('Expired certificate');
      expect(result.changes).toEqual([
        { field: 'state', old: 'Root Cause Analysis', new: 'Fix in Progress' },
      ]);
    });

    it("records the command's root cause", () => {
      const problem = aProblem('Root Cause Analysis', { rootCause: 'Unknown yet' });
      const result = transition(problem, { action: 'fix', rootCause: 'Disk full' }, agent);
      expect(result.changes).toContainEqual({
        field: 'rootCause',
        old: 'Unknown yet',
        new: 'Disk full',
      });
    });
  });

  describe('resolve', () => {
    it('records the resolution and its time', () => {
      const result = transition(
        aProblem('Fix in Progress'),
        { action: 'resolve', resolutionCode: 'Fix Applied', resolutionNotes: 'Bigger disk' },
        agent,
      );
      expect(result.problem).toMatchObject({
        state: 'Resolved',
        resolutionCode: 'Fix Applied',
        resolutionNotes: 'Bigger disk',
        resolvedAt: NOW,
      });
      expect(result.changes).toEqual([
        { field: 'state', old: 'Fix in Progress', new: 'Resolved' },
        { field: 'resolutionCode', old: null, new: 'Fix Applied' },
        { field: 'resolutionNotes', old: null, new: 'Bigger disk' },
        { field: 'resolvedAt', old: null, new: NOW },
      ]);
    });

    it('accepts the risk straight from Root Cause Analysis', () => {
      const result = transition(aProblem('Root Cause Analysis'), COMMANDS.resolve, agent);
      expect(result.problem.resolutionCode).toBe('Risk Accepted');
    });

    it('applies a fix only from Fix in Progress', () => {
      const command: ProblemTransitionCommand = {
        action: 'resolve',
        resolutionCode: 'Fix Applied',
        resolutionNotes: 'Bigger disk',
      };
      expect(
        validationIssues(() => transition(aProblem('Root Cause Analysis'), command, agent)),
      ).toEqual([expect.objectContaining({ field: 'resolutionCode' })]);
    });

    it('names a missing code and blank notes at once', () => {
      const command = {
        action: 'resolve',
        resolutionCode: undefined as unknown as ProblemResolutionCode,
        resolutionNotes: ' ',
      } as const;
      expect(
        validationIssues(() => transition(aProblem('Fix in Progress'), command, agent)),
      ).toEqual([
        expect.objectContaining({ field: 'resolutionCode' }),
        expect.objectContaining({ field: 'resolutionNotes' }),
      ]);
    });
  });

  it('close records the close time and keeps the resolution', () => {
    const result = transition(aProblem('Resolved'), COMMANDS.close, agent);
    expect(result.problem).toMatchObject({ closedAt: NOW, resolutionCode: 'Fix Applied' });
    expect(result.changes).toEqual([
      { field: 'state', old: 'Resolved', new: 'Closed' },
      { field: 'closedAt', old: null, new: NOW },
    ]);
  });

  it('reanalyse clears the resolution and the close, but keeps the root cause', () => {
    const result = transition(aProblem('Closed'), COMMANDS.reanalyse, agent);
    expect(result.problem.rootCause).toBe('Queue disk full');
    for (const field of ['resolutionCode', 'resolutionNotes', 'resolvedAt', 'closedAt']) {
      expect(result.problem).not.toHaveProperty(field);
    }
    expect(result.changes).toEqual([
      { field: 'state', old: 'Closed', new: 'Root Cause Analysis' },
      { field: 'resolutionCode', old: 'Fix Applied', new: null },
      { field: 'resolutionNotes', old: 'Moved the queue to a larger disk', new: null },
      { field: 'resolvedAt', old: CREATED_AT, new: null },
      { field: 'closedAt', old: CREATED_AT, new: null },
    ]);
  });

  describe('markDuplicate', () => {
    it('records the kept problem and gives up its links', () => {
      const result = transition(aProblem('Assess'), COMMANDS.markDuplicate, agent);
      expect(result.problem).toMatchObject({ duplicateOf: 'prb-kept', linkedIncidentCount: 0 });
      expect(result.changes).toEqual([
        { field: 'state', old: 'Assess', new: 'Duplicate' },
        { field: 'duplicateOf', old: null, new: 'prb-kept' },
        { field: 'linkedIncidentCount', old: 2, new: 0 },
      ]);
    });

    it.each(['', 'prb-1', 'PRB0001001'])('rejects %j as the kept problem', (duplicateOf) => {
      const command: ProblemTransitionCommand = { action: 'markDuplicate', duplicateOf };
      expect(validationIssues(() => transition(aProblem('Assess'), command, agent))).toEqual([
        expect.objectContaining({ field: 'duplicateOf' }),
      ]);
    });
  });

  it('reports an invalid transition before checking the command', () => {
    const command: ProblemTransitionCommand = { action: 'fix' };
    expect(() => transition(aProblem('Assess'), command, agent)).toThrow(InvalidTransitionError);
    expect(() => transition(aProblem('Root Cause Analysis'), command, agent)).toThrow(
      ValidationError,
    );
  });
});

describe('validateDuplicateTarget', () => {
  const duplicate = aProblem('Assess');

  it.each(['New', 'Assess', 'Root Cause Analysis', 'Fix in Progress'] as const)(
    'accepts a kept problem in %s',
    (state) => {
      expect(() =>
        validateDuplicateTarget(duplicate, aProblem(state, { id: 'prb-kept' })),
      ).not.toThrow();
    },
  );

  it.each(['Resolved', 'Closed', 'Duplicate', 'Canceled'] as const)(
    'rejects a kept problem in %s',
    (state) => {
      expect(
        validationIssues(() =>
          validateDuplicateTarget(duplicate, aProblem(state, { id: 'prb-kept' })),
        ),
      ).toEqual([expect.objectContaining({ field: 'duplicateOf' })]);
    },
  );

  it('rejects the problem itself', () => {
    expect(validationIssues(() => validateDuplicateTarget(duplicate, duplicate))).toEqual([
      expect.objectContaining({ field: 'duplicateOf' }),
    ]);
  });
});
