import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  type Change,
  type ChangeAction,
  ChangeActions,
  type ChangeModel,
  ChangeModels,
  type ChangeState,
  ChangeStateModels,
  ChangeStates,
  type ChangeTransitionCommand,
  type Conflict,
  ScheduleBlockedError,
  transition,
} from '../../../functions/change/domain';
import {
  ConflictError,
  ForbiddenError,
  InvalidTransitionError,
  ValidationError,
} from '../../../shared/errors';
import {
  aChange,
  aDecision,
  aPlan,
  aRisk,
  ctx,
  NOW,
  type PrincipalName,
  principalNames,
  principals,
  thrownBy,
  validationIssues,
  WRITERS,
} from './fixtures';

// The reference state models, written out rather than read from the implementation.
const ALLOWED: Record<ChangeModel, Record<ChangeState, ChangeAction[]>> = {
  normal: {
    New: ['assess', 'cancel'],
    Assess: ['requestAuthorization', 'cancel', 'revertToNew'],
    Authorize: ['approve', 'reject', 'cancel'],
    Scheduled: ['implement', 'cancel', 'revertToNew'],
    Implement: ['review', 'cancel'],
    Review: ['close'],
    Closed: [],
    Canceled: [],
  },
  standard: {
    New: ['schedule', 'cancel'],
    Assess: [],
    Authorize: [],
    Scheduled: ['implement', 'cancel', 'revertToNew'],
    Implement: ['review', 'cancel'],
    Review: ['close'],
    Closed: [],
    Canceled: [],
  },
  emergency: {
    New: ['requestAuthorization', 'cancel'],
    Assess: [],
    Authorize: ['approve', 'reject', 'cancel'],
    Scheduled: ['implement', 'cancel', 'revertToNew'],
    Implement: ['review', 'cancel'],
    Review: ['close'],
    Closed: [],
    Canceled: [],
  },
};

const TARGET: Record<ChangeAction, ChangeState> = {
  assess: 'Assess',
  requestAuthorization: 'Authorize',
  approve: 'Scheduled',
  reject: 'New',
  schedule: 'Scheduled',
  implement: 'Implement',
  review: 'Review',
  close: 'Closed',
  cancel: 'Canceled',
  revertToNew: 'New',
};

const DECISIONS: readonly ChangeAction[] = ['approve', 'reject'];

/** A valid command for each action, for `change` in a state that allows it. */
function commandFor(action: ChangeAction, change: Change): ChangeTransitionCommand {
  switch (action) {
    case 'assess':
      return { action, risk: aRisk(change.model) };
    case 'requestAuthorization':
      return { action, risk: aRisk(change.model), plan: aPlan(change), conflicts: [] };
    case 'approve':
      return { action, decision: aDecision('approved'), conflicts: [] };
    case 'reject':
      return { action, decision: aDecision('rejected') };
    case 'schedule':
      return { action, conflicts: [] };
    case 'review':
      return { action, outcome: 'successful' };
    case 'cancel':
      return { action, reason: 'No longer needed' };
    default:
      return { action } as ChangeTransitionCommand;
  }
}

function permittedTo(action: ChangeAction, name: PrincipalName): boolean {
  return DECISIONS.includes(action) ? name === 'system' : WRITERS.includes(name);
}

function expectedAllowed(model: ChangeModel, state: ChangeState, name: PrincipalName) {
  return ALLOWED[model][state].filter((action) => permittedTo(action, name));
}

const BLACKOUT: Conflict = {
  kind: 'blackout',
  explanation: "The window overlaps blackout 'Quarter close'.",
  cis: ['ci-db'],
  blackout: { id: 'bo-1', name: 'Quarter close' },
};

describe('allowedActions', () => {
  const cases = ChangeModels.flatMap((model) =>
    ChangeStates.flatMap((state) => principalNames.map((name) => ({ model, state, name }))),
  );
  it.each(cases)('$model change in $state for $name', ({ model, state, name }) => {
    expect(allowedActions(aChange(state, model), principals[name])).toEqual(
      expectedAllowed(model, state, name),
    );
  });
});

describe('transition: every model x state x action x principal', () => {
  const cases = ChangeModels.flatMap((model) =>
    ChangeStates.flatMap((state) =>
      ChangeActions.flatMap((action) =>
        principalNames.map((name) => {
          const outcome = !ALLOWED[model][state].includes(action)
            ? 'invalid'
            : permittedTo(action, name)
              ? 'ok'
              : 'forbidden';
          return { model, state, action, name, outcome };
        }),
      ),
    ),
  );

  it.each(cases)(
    '$model $state + $action by $name: $outcome',
    ({ model, state, action, name, outcome }) => {
      const change = aChange(state, model);
      const attempt = () => transition(change, commandFor(action, change), ctx(principals[name]));
      if (outcome === 'invalid') {
        const error = thrownBy(attempt);
        expect(error).toBeInstanceOf(InvalidTransitionError);
        expect(error).toMatchObject({
          action,
          state,
          allowedActions: expectedAllowed(model, state, name),
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
      expect(result.change.state).toBe(TARGET[action]);
      expect(result.change.version).toBe(change.version + 1);
      expect(result.change.updatedAt).toBe(NOW);
      expect(result.changes).toContainEqual({ field: 'state', old: state, new: TARGET[action] });
      expect(result.changes.map((fieldChange) => fieldChange.field)).not.toContain('version');
    },
  );
});

describe('the models walk their reference paths', () => {
  const walks: Record<ChangeModel, ChangeAction[]> = {
    normal: ['assess', 'requestAuthorization', 'approve', 'implement', 'review', 'close'],
    standard: ['schedule', 'implement', 'review', 'close'],
    emergency: ['requestAuthorization', 'approve', 'implement', 'review', 'close'],
  };

  it.each(ChangeModels)('%s', (model) => {
    let change = aChange('New', model, { version: 1 });
    const visited: ChangeState[] = [change.state];
    for (const action of walks[model]) {
      // The approval workflow decides; everyone else acts as the assignee.
      const actor = DECISIONS.includes(action) ? principals.system : principals.agent;
      const command = commandFor(action, change);
      const decided =
        command.action === 'approve'
          ? { ...command, decision: aDecision('approved', { planId: change.approvalPlanId }) }
          : command;
      change = transition(change, decided, ctx(actor)).change;
      visited.push(change.state);
    }
    expect(visited).toEqual(ChangeStateModels[model]);
    expect(change.closedAt).toBe(NOW);
  });
});

describe('transition rules', () => {
  const agent = ctx(principals.agent);
  const system = ctx(principals.system);

  it('does not modify the change it is given', () => {
    const change = aChange('Scheduled');
    const copy = structuredClone(change);
    transition(change, { action: 'revertToNew' }, agent);
    expect(change).toEqual(copy);
  });

  it('returns a non-blank comment as a work note, and none for a blank one', () => {
    const change = aChange('New');
    const noted = transition(
      change,
      { action: 'cancel', reason: 'Dup', comment: 'See CHG2' },
      agent,
    );
    expect(noted.workNote).toBe('See CHG2');
    const blank = transition(change, { action: 'cancel', reason: 'Dup', comment: ' ' }, agent);
    expect(blank).not.toHaveProperty('workNote');
  });

  it('explains why people cannot approve: they vote', () => {
    const attempt = () =>
      transition(aChange('Authorize'), commandFor('approve', aChange('Authorize')), agent);
    expect(thrownBy(attempt)).toMatchObject({
      status: 403,
      message: expect.stringContaining('vote'),
    });
  });

  describe('assess', () => {
    it('records the risk', () => {
      const risk = aRisk('normal', 'high');
      const result = transition(aChange('New'), { action: 'assess', risk }, agent);
      expect(result.change.risk).toEqual(risk);
    });

    it('requires CIs and an assignment group', () => {
      const change = aChange('New', 'normal', {
        affectedCis: [],
        assignmentGroup: undefined,
        assignee: undefined,
      });
      expect(
        validationIssues(() => transition(change, commandFor('assess', change), agent)),
      ).toEqual([
        expect.objectContaining({ field: 'affectedCis' }),
        expect.objectContaining({ field: 'assignmentGroup' }),
      ]);
    });

    it('refuses a risk assessed for another model', () => {
      const change = aChange('New');
      const risk = aRisk('emergency', 'low');
      expect(validationIssues(() => transition(change, { action: 'assess', risk }, agent))).toEqual(
        [expect.objectContaining({ field: 'risk' })],
      );
    });
  });

  describe('requestAuthorization', () => {
    const request = (change: Change, extra: Partial<ChangeTransitionCommand> = {}) =>
      transition(
        change,
        { ...commandFor('requestAuthorization', change), ...extra } as ChangeTransitionCommand,
        agent,
      );

    it('records the risk and the plan, clears the previous decision, returns the plan', () => {
      const change = aChange('Assess', 'normal', { approval: aDecision('rejected') });
      const risk = aRisk('normal', 'high');
      const result = request(change, { risk });
      expect(result.change).toMatchObject({
        state: 'Authorize',
        risk,
        approvalPlanId: aPlan(change).planId,
        submittedAt: NOW,
      });
      expect(result.change).not.toHaveProperty('approval');
      expect(result.plan).toEqual(aPlan(change));
    });

    const missing: [string, Partial<Change>][] = [
      ['plannedStart', { plannedStart: undefined }],
      ['plannedEnd', { plannedEnd: undefined }],
      ['implementationPlan', { implementationPlan: '  ' }],
      ['backoutPlan', { backoutPlan: undefined }],
      ['testPlan', { testPlan: undefined }],
      ['affectedCis', { affectedCis: [] }],
      ['assignmentGroup', { assignmentGroup: undefined, assignee: undefined }],
    ];
    it.each(missing)('a normal change needs %s', (field, overrides) => {
      const change = aChange('Assess', 'normal', overrides);
      expect(validationIssues(() => request(change))).toEqual([expect.objectContaining({ field })]);
    });

    it('an emergency change needs no test plan and may start now, but not be over', () => {
      const started = aChange('New', 'emergency', {
        testPlan: undefined,
        plannedStart: '2025-03-03T09:00:00.000Z',
        plannedEnd: '2025-03-03T11:00:00.000Z',
      });
      expect(request(started).to).toBe('Authorize');
      const over = aChange('New', 'emergency', {
        plannedStart: '2025-03-03T07:00:00.000Z',
        plannedEnd: NOW,
      });
      expect(validationIssues(() => request(over))).toEqual([
        expect.objectContaining({ field: 'plannedEnd', message: 'is already past' }),
      ]);
    });

    it('a normal change must not have started: approval takes time', () => {
      const change = aChange('Assess', 'normal', { plannedStart: NOW });
      expect(validationIssues(() => request(change))).toEqual([
        expect.objectContaining({ field: 'plannedStart' }),
      ]);
    });

    it('refuses a plan built for another version', () => {
      const change = aChange('Assess');
      const stale = aPlan({ ...change, version: change.version - 1 });
      expect(validationIssues(() => request(change, { plan: stale }))).toEqual([
        expect.objectContaining({ field: 'plan' }),
      ]);
    });

    it('refuses a normal change in a blackout, with the blocking conflicts', () => {
      const error = thrownBy(() => request(aChange('Assess'), { conflicts: [BLACKOUT] }));
      expect(error).toBeInstanceOf(ScheduleBlockedError);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ScheduleBlockedError).extensions()).toEqual({ conflicts: [BLACKOUT] });
    });

    it('lets an emergency change override a blackout only with a reason, and records it', () => {
      const change = aChange('New', 'emergency');
      expect(() => request(change, { conflicts: [BLACKOUT] })).toThrow(ScheduleBlockedError);
      const result = request(change, {
        conflicts: [BLACKOUT],
        overrideReason: 'Payments are failing',
      } as Partial<ChangeTransitionCommand>);
      expect(result.change.conflictOverride).toEqual({
        overriddenBy: 'agent-1',
        overriddenAt: NOW,
        reason: 'Payments are failing',
        conflicts: [BLACKOUT],
      });
    });

    it('other conflicts do not block', () => {
      const overlap: Conflict = {
        kind: 'same-ci-overlap',
        explanation: 'CHG0001002 (Scheduled) changes ci-db at an overlapping time.',
        cis: ['ci-db'],
        otherChange: { id: 'chg-2', number: 'CHG0001002', state: 'Scheduled' },
      };
      expect(request(aChange('Assess'), { conflicts: [overlap] }).to).toBe('Authorize');
    });
  });

  describe('approve and reject', () => {
    it('approve schedules the change and records the decision', () => {
      const decision = aDecision('approved');
      const result = transition(
        aChange('Authorize'),
        { action: 'approve', decision, conflicts: [] },
        system,
      );
      expect(result.to).toBe('Scheduled');
      expect(result.change.approval).toEqual(decision);
      expect(result.authorization).toEqual(decision);
    });

    it('refuses a decision of another submission, and one with the wrong outcome', () => {
      const change = aChange('Authorize');
      const stale = aDecision('approved', { planId: 'plan-0' });
      expect(() =>
        transition(change, { action: 'approve', decision: stale, conflicts: [] }, system),
      ).toThrow(ConflictError);
      expect(
        validationIssues(() =>
          transition(
            change,
            { action: 'approve', decision: aDecision('rejected'), conflicts: [] },
            system,
          ),
        ),
      ).toEqual([expect.objectContaining({ field: 'decision.outcome' })]);
      expect(
        validationIssues(() =>
          transition(change, { action: 'reject', decision: aDecision('approved') }, system),
        ),
      ).toEqual([expect.objectContaining({ field: 'decision.outcome' })]);
    });

    it('an approved normal change whose window a blackout now blocks returns to New', () => {
      const decision = aDecision('approved');
      const result = transition(
        aChange('Authorize'),
        { action: 'approve', decision, conflicts: [BLACKOUT] },
        system,
      );
      expect(result.to).toBe('New');
      expect(result.change.state).toBe('New');
      expect(result.authorization?.outcome).toBe('rejected');
      expect(result.authorization?.votes).toEqual(decision.votes);
      expect(result.authorization?.reasons).toEqual(
        expect.arrayContaining([...decision.reasons, BLACKOUT.explanation]),
      );
    });

    it('an emergency change keeps the override it was submitted with', () => {
      const override = {
        overriddenBy: 'agent-1',
        overriddenAt: NOW,
        reason: 'Payments are failing',
        conflicts: [BLACKOUT],
      };
      const change = aChange('Authorize', 'emergency', { conflictOverride: override });
      const covered = transition(
        change,
        { action: 'approve', decision: aDecision('approved'), conflicts: [BLACKOUT] },
        system,
      );
      expect(covered.to).toBe('Scheduled');
      expect(covered.change.conflictOverride).toEqual(override);

      const another: Conflict = { ...BLACKOUT, blackout: { id: 'bo-2', name: 'Audit' } };
      const uncovered = transition(
        change,
        { action: 'approve', decision: aDecision('approved'), conflicts: [another] },
        system,
      );
      expect(uncovered.to).toBe('New');
      expect(uncovered.change).not.toHaveProperty('conflictOverride');
    });

    it('reject returns the change to New with the reasons, keeping its risk', () => {
      const change = aChange('Authorize', 'emergency', {
        conflictOverride: {
          overriddenBy: 'agent-1',
          overriddenAt: NOW,
          reason: 'Outage',
          conflicts: [BLACKOUT],
        },
      });
      const decision = aDecision('rejected');
      const result = transition(change, { action: 'reject', decision }, system);
      expect(result.to).toBe('New');
      expect(result.change.approval).toEqual(decision);
      expect(result.authorization).toEqual(decision);
      expect(result.change.risk).toEqual(change.risk);
      expect(result.change).not.toHaveProperty('conflictOverride');
    });
  });

  describe('schedule (standard)', () => {
    it('needs the window and a group', () => {
      const change = aChange('New', 'standard', { plannedEnd: undefined });
      expect(
        validationIssues(() => transition(change, { action: 'schedule', conflicts: [] }, agent)),
      ).toEqual([expect.objectContaining({ field: 'plannedEnd' })]);
    });

    it('may start now: the procedure is pre-approved', () => {
      const change = aChange('New', 'standard', { plannedStart: NOW });
      expect(transition(change, { action: 'schedule', conflicts: [] }, agent).to).toBe('Scheduled');
    });

    it('never overrides a blackout', () => {
      const change = aChange('New', 'standard');
      expect(() =>
        transition(change, { action: 'schedule', conflicts: [BLACKOUT] }, agent),
      ).toThrow(ScheduleBlockedError);
    });
  });

  it('implement records when the implementation started', () => {
    const result = transition(aChange('Scheduled'), { action: 'implement' }, agent);
    expect(result.change.implementationStartedAt).toBe(NOW);
  });

  describe('review', () => {
    it.each(['successful-with-issues', 'failed', 'backed-out'] as const)(
      '%s needs outcome notes',
      (outcome) => {
        const change = aChange('Implement');
        expect(
          validationIssues(() => transition(change, { action: 'review', outcome }, agent)),
        ).toEqual([expect.objectContaining({ field: 'outcomeNotes' })]);
        const result = transition(
          change,
          { action: 'review', outcome, outcomeNotes: 'Node 3 rebooted twice' },
          agent,
        );
        expect(result.change).toMatchObject({
          outcome,
          outcomeNotes: 'Node 3 rebooted twice',
          implementationEndedAt: NOW,
        });
      },
    );

    it('refuses an unknown outcome', () => {
      const command = { action: 'review', outcome: 'meh' } as unknown as ChangeTransitionCommand;
      expect(validationIssues(() => transition(aChange('Implement'), command, agent))).toEqual([
        expect.objectContaining({ field: 'outcome' }),
      ]);
    });
  });

  it('close records the close time and notes', () => {
    const result = transition(aChange('Review'), { action: 'close', closeNotes: 'Done' }, agent);
    expect(result.change).toMatchObject({ closedAt: NOW, closeNotes: 'Done' });
  });

  it('cancel needs a reason and records it', () => {
    expect(
      validationIssues(() =>
        transition(aChange('Implement'), { action: 'cancel', reason: '' }, agent),
      ),
    ).toEqual([expect.objectContaining({ field: 'reason' })]);
    const result = transition(
      aChange('Implement'),
      { action: 'cancel', reason: 'Vendor bug' },
      agent,
    );
    expect(result.change).toMatchObject({ cancelReason: 'Vendor bug', closedAt: NOW });
  });

  it('revertToNew voids the authorization and the override', () => {
    const change = aChange('Scheduled', 'emergency', {
      conflictOverride: {
        overriddenBy: 'agent-1',
        overriddenAt: NOW,
        reason: 'Outage',
        conflicts: [BLACKOUT],
      },
    });
    const result = transition(change, { action: 'revertToNew' }, agent);
    expect(result.change).not.toHaveProperty('approval');
    expect(result.change).not.toHaveProperty('approvalPlanId');
    expect(result.change).not.toHaveProperty('conflictOverride');
    expect(result.change.risk).toEqual(change.risk);
  });

  it('a validation failure leaves the error a ValidationError (400)', () => {
    const error = thrownBy(() =>
      transition(aChange('Implement'), { action: 'cancel', reason: ' ' }, agent),
    );
    expect(error).toBeInstanceOf(ValidationError);
  });
});
