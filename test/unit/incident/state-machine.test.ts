import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  type IncidentAction,
  IncidentActions,
  type TransitionCommand,
  transition,
} from '../../../functions/incident/domain';
import {
  ConflictError,
  ForbiddenError,
  InvalidTransitionError,
  ValidationError,
} from '../../../shared/errors';
import {
  HoldReasons,
  type IncidentState,
  IncidentStates,
  type ResolutionCode,
} from '../../../shared/events/incidents';
import {
  anIncident,
  CREATED_AT,
  ctx,
  NOW,
  type PrincipalName,
  principalNames,
  principals,
  thrownBy,
  validationIssues,
} from './fixtures';

// The reference lifecycle, written out rather than read from the implementation.
const ALLOWED_BY_STATE: Record<IncidentState, IncidentAction[]> = {
  New: ['start', 'hold', 'resolve', 'cancel'],
  'In Progress': ['hold', 'resolve', 'cancel'],
  'On Hold': ['hold', 'resume', 'resolve', 'cancel'],
  Resolved: ['close', 'reopen'],
  Closed: [],
  Canceled: [],
};

const TARGET: Record<IncidentAction, IncidentState> = {
  start: 'In Progress',
  hold: 'On Hold',
  resume: 'In Progress',
  resolve: 'Resolved',
  close: 'Closed',
  reopen: 'In Progress',
  cancel: 'Canceled',
};

const CALLER_ACTIONS: Record<IncidentState, IncidentAction[]> = {
  New: ['cancel'],
  'In Progress': [],
  'On Hold': [],
  Resolved: ['close', 'reopen'],
  Closed: [],
  Canceled: [],
};

const FULLY_ENTITLED: readonly PrincipalName[] = ['agent', 'admin', 'writingClient', 'system'];

function expectedAllowed(state: IncidentState, name: PrincipalName): IncidentAction[] {
  if (FULLY_ENTITLED.includes(name)) return ALLOWED_BY_STATE[state];
  if (name === 'caller') return CALLER_ACTIONS[state];
  return [];
}

/** A valid command for each action; the fixture's On Hold reason is 'Awaiting Vendor'. */
const COMMANDS: Record<IncidentAction, TransitionCommand> = {
  start: { action: 'start' },
  hold: { action: 'hold', holdReason: 'Awaiting Change' },
  resume: { action: 'resume' },
  resolve: {
    action: 'resolve',
    resolutionCode: 'Solved Remotely',
    resolutionNotes: 'Reset the password',
  },
  close: { action: 'close' },
  reopen: { action: 'reopen' },
  cancel: { action: 'cancel' },
};

describe('allowedActions', () => {
  const cases = IncidentStates.flatMap((state) => principalNames.map((name) => ({ state, name })));
  it.each(cases)('$state for $name', ({ state, name }) => {
    expect(allowedActions(anIncident(state), principals[name])).toEqual(
      expectedAllowed(state, name),
    );
  });
});

describe('transition: every state x action x principal', () => {
  const cases = IncidentStates.flatMap((state) =>
    IncidentActions.flatMap((action) =>
      principalNames.map((name) => {
        const outcome = !ALLOWED_BY_STATE[state].includes(action)
          ? 'invalid'
          : expectedAllowed(state, name).includes(action)
            ? 'ok'
            : 'forbidden';
        return { state, action, name, outcome };
      }),
    ),
  );

  it.each(cases)('$state + $action by $name: $outcome', ({ state, action, name, outcome }) => {
    const incident = anIncident(state);
    const attempt = () => transition(incident, COMMANDS[action], ctx(principals[name]));
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
    expect(result.incident.state).toBe(TARGET[action]);
    expect(result.incident.version).toBe(incident.version + 1);
    expect(result.incident.updatedAt).toBe(NOW);
    if (state !== TARGET[action]) {
      expect(result.changes).toContainEqual({ field: 'state', old: state, new: TARGET[action] });
    }
    expect(result.changes.map((change) => change.field)).not.toContain('version');
    expect(result.changes.map((change) => change.field)).not.toContain('updatedAt');
  });
});

describe('transition rules', () => {
  const agent = ctx(principals.agent);

  it('does not modify the incident it is given', () => {
    const incident = anIncident('On Hold');
    const copy = structuredClone(incident);
    transition(incident, COMMANDS.resume, agent);
    expect(incident).toEqual(copy);
  });

  describe('start', () => {
    it('requires an assignment group', () => {
      const incident = anIncident('New', { assignmentGroup: undefined });
      expect(validationIssues(() => transition(incident, COMMANDS.start, agent))).toEqual([
        expect.objectContaining({ field: 'assignmentGroup' }),
      ]);
    });

    it('changes only the state', () => {
      expect(transition(anIncident('New'), COMMANDS.start, agent).changes).toEqual([
        { field: 'state', old: 'New', new: 'In Progress' },
      ]);
    });
  });

  describe('hold', () => {
    it.each([undefined, '', '   '])(
      "'Awaiting Caller' requires a comment (given %j)",
      (comment) => {
        const command: TransitionCommand = {
          action: 'hold',
          holdReason: 'Awaiting Caller',
          comment,
        };
        expect(
          validationIssues(() => transition(anIncident('In Progress'), command, agent)),
        ).toEqual([expect.objectContaining({ field: 'comment' })]);
      },
    );

    it.each(HoldReasons)('%s returns its comment as the public comment', (holdReason) => {
      const result = transition(
        anIncident('In Progress'),
        { action: 'hold', holdReason, comment: 'Which printer is it?' },
        agent,
      );
      expect(result.incident.holdReason).toBe(holdReason);
      expect(result.publicComment).toBe('Which printer is it?');
    });

    it.each(HoldReasons.filter((reason) => reason !== 'Awaiting Caller'))(
      '%s needs no comment and then returns none',
      (holdReason) => {
        const result = transition(anIncident('In Progress'), { action: 'hold', holdReason }, agent);
        expect(result).not.toHaveProperty('publicComment');
        expect(result.changes).toEqual([
          { field: 'state', old: 'In Progress', new: 'On Hold' },
          { field: 'holdReason', old: null, new: holdReason },
        ]);
      },
    );

    it('changes the reason of an incident already on hold, without a state change', () => {
      const result = transition(
        anIncident('On Hold'),
        { action: 'hold', holdReason: 'Awaiting Problem' },
        agent,
      );
      expect(result).toMatchObject({ from: 'On Hold', to: 'On Hold' });
      expect(result.changes).toEqual([
        { field: 'holdReason', old: 'Awaiting Vendor', new: 'Awaiting Problem' },
      ]);
    });

    it('rejects the reason the incident is already on hold for', () => {
      const attempt = () =>
        transition(anIncident('On Hold'), { action: 'hold', holdReason: 'Awaiting Vendor' }, agent);
      expect(attempt).toThrow(ConflictError);
    });

    it('is allowed from New without an assignment group', () => {
      const incident = anIncident('New', { assignmentGroup: undefined });
      expect(transition(incident, COMMANDS.hold, agent).incident.state).toBe('On Hold');
    });
  });

  describe('resume', () => {
    it('requires an assignment group', () => {
      const incident = anIncident('On Hold', { assignmentGroup: undefined });
      expect(validationIssues(() => transition(incident, COMMANDS.resume, agent))).toEqual([
        expect.objectContaining({ field: 'assignmentGroup' }),
      ]);
    });

    it('clears the hold reason', () => {
      const result = transition(anIncident('On Hold'), COMMANDS.resume, agent);
      expect(result.incident).not.toHaveProperty('holdReason');
      expect(result.changes).toEqual([
        { field: 'state', old: 'On Hold', new: 'In Progress' },
        { field: 'holdReason', old: 'Awaiting Vendor', new: null },
      ]);
    });
  });

  describe('resolve', () => {
    it.each(['', '  \n'])('requires resolution notes (given %j)', (resolutionNotes) => {
      const command: TransitionCommand = {
        action: 'resolve',
        resolutionCode: 'Solved Remotely',
        resolutionNotes,
      };
      expect(validationIssues(() => transition(anIncident('New'), command, agent))).toEqual([
        expect.objectContaining({ field: 'resolutionNotes' }),
      ]);
    });

    it('requires a resolution code, and names both missing fields at once', () => {
      const command = {
        action: 'resolve',
        resolutionCode: undefined as unknown as ResolutionCode,
        resolutionNotes: '',
      } as const;
      expect(validationIssues(() => transition(anIncident('New'), command, agent))).toEqual([
        expect.objectContaining({ field: 'resolutionCode' }),
        expect.objectContaining({ field: 'resolutionNotes' }),
      ]);
    });

    it('records the resolution and its time, and clears the hold reason', () => {
      const result = transition(anIncident('On Hold'), COMMANDS.resolve, agent);
      expect(result.incident).toMatchObject({
        state: 'Resolved',
        resolutionCode: 'Solved Remotely',
        resolutionNotes: 'Reset the password',
        resolvedAt: NOW,
      });
      expect(result.incident).not.toHaveProperty('holdReason');
      expect(result.changes).toEqual([
        { field: 'state', old: 'On Hold', new: 'Resolved' },
        { field: 'holdReason', old: 'Awaiting Vendor', new: null },
        { field: 'resolutionCode', old: null, new: 'Solved Remotely' },
        { field: 'resolutionNotes', old: null, new: 'Reset the password' },
        { field: 'resolvedAt', old: null, new: NOW },
      ]);
    });
  });

  describe('close', () => {
    it('records the close time and keeps the resolution', () => {
      const result = transition(anIncident('Resolved'), COMMANDS.close, agent);
      expect(result.incident).toMatchObject({
        state: 'Closed',
        closedAt: NOW,
        resolutionCode: 'Solved (Workaround)',
        resolvedAt: CREATED_AT,
      });
      expect(result.changes).toEqual([
        { field: 'state', old: 'Resolved', new: 'Closed' },
        { field: 'closedAt', old: null, new: NOW },
      ]);
    });
  });

  describe('reopen', () => {
    it('clears the resolution', () => {
      const result = transition(
        anIncident('Resolved'),
        { action: 'reopen', comment: 'Still broken' },
        ctx(principals.caller),
      );
      expect(result.incident.state).toBe('In Progress');
      expect(result.incident).not.toHaveProperty('resolutionCode');
      expect(result.incident).not.toHaveProperty('resolutionNotes');
      expect(result.incident).not.toHaveProperty('resolvedAt');
      expect(result.publicComment).toBe('Still broken');
      expect(result.changes).toEqual([
        { field: 'state', old: 'Resolved', new: 'In Progress' },
        { field: 'resolutionCode', old: 'Solved (Workaround)', new: null },
        { field: 'resolutionNotes', old: 'Restarted the relay', new: null },
        { field: 'resolvedAt', old: CREATED_AT, new: null },
      ]);
    });

    it('returns an incident without an assignment group to New, never In Progress', () => {
      for (const principal of [principals.caller, principals.agent]) {
        const incident = anIncident('Resolved', { assignmentGroup: undefined });
        const result = transition(incident, { action: 'reopen' }, ctx(principal));
        expect(result.to).toBe('New');
        expect(result.incident.state).toBe('New');
        expect(result.changes).toContainEqual({ field: 'state', old: 'Resolved', new: 'New' });
      }
    });
  });

  describe('cancel', () => {
    it('clears the hold reason and returns the comment', () => {
      const result = transition(
        anIncident('On Hold'),
        { action: 'cancel', comment: 'Raised twice' },
        agent,
      );
      expect(result.incident).not.toHaveProperty('holdReason');
      expect(result.publicComment).toBe('Raised twice');
    });

    it('returns no public comment for a blank comment', () => {
      const result = transition(anIncident('New'), { action: 'cancel', comment: ' ' }, agent);
      expect(result).not.toHaveProperty('publicComment');
    });
  });

  describe('requesters', () => {
    it('may not act on an incident of another caller', () => {
      const incident = anIncident('Resolved');
      for (const command of [COMMANDS.close, COMMANDS.reopen]) {
        expect(() => transition(incident, command, ctx(principals.otherRequester))).toThrow(
          ForbiddenError,
        );
      }
    });

    it('may cancel their own New incident only', () => {
      expect(
        transition(anIncident('New'), COMMANDS.cancel, ctx(principals.caller)).incident.state,
      ).toBe('Canceled');
      expect(() =>
        transition(anIncident('In Progress'), COMMANDS.cancel, ctx(principals.caller)),
      ).toThrow(ForbiddenError);
    });

    it('are not told about actions they may not take', () => {
      const error = thrownBy(() =>
        transition(anIncident('In Progress'), COMMANDS.close, ctx(principals.caller)),
      );
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect((error as InvalidTransitionError).allowedActions).toEqual([]);
    });
  });

  it('reports an invalid transition before checking the command', () => {
    const command = {
      action: 'resolve',
      resolutionCode: 'Duplicate',
      resolutionNotes: '',
    } as const;
    expect(() => transition(anIncident('Closed'), command, agent)).toThrow(InvalidTransitionError);
    expect(() => transition(anIncident('New'), command, agent)).toThrow(ValidationError);
  });
});
