import { describe, expect, it } from 'vitest';
import {
  type ChangeTransition,
  FIXED_BY_CHANGE,
  type ProblemRef,
  problemFollowUp,
} from '../../../shared/domain/change-follow-up';
import type { ChangeOutcome, ChangeState } from '../../../shared/events/changes';
import { type ProblemState, ProblemStates } from '../../../shared/events/problems';
import { aChange } from './fixtures';

function closed(outcome: ChangeOutcome, outcomeNotes?: string): ChangeTransition {
  return {
    change: aChange('Closed', 'normal', {
      outcome,
      ...(outcomeNotes ? { outcomeNotes } : {}),
      linkedProblems: ['prb-1'],
    }),
    action: 'close',
    from: 'Review',
    to: 'Closed',
  };
}

const canceled: ChangeTransition = {
  change: aChange('Canceled', 'normal', { linkedProblems: ['prb-1'] }),
  action: 'cancel',
  from: 'Scheduled',
  to: 'Canceled',
};

function problem(state: ProblemState, rootCause?: string): ProblemRef {
  return { id: 'prb-1', state, ...(rootCause ? { rootCause } : {}) };
}

const actions = (steps: ReturnType<typeof problemFollowUp>) => steps.map((step) => step.action);

describe('problemFollowUp', () => {
  // Per problem state: the steps after a successful close, and after a failed one.
  const EXPECTED: Record<ProblemState, [string[], string[]]> = {
    New: [['addWorkNote'], ['addWorkNote']],
    Assess: [['addWorkNote'], ['addWorkNote']],
    'Root Cause Analysis': [['fix', 'resolve'], ['addWorkNote']],
    'Fix in Progress': [['resolve'], ['addWorkNote']],
    Resolved: [[], []],
    Closed: [[], []],
    Duplicate: [[], []],
    Canceled: [[], []],
  };

  it.each(ProblemStates)('a problem in %s', (state) => {
    const [onSuccess, onFailure] = EXPECTED[state];
    expect(actions(problemFollowUp(closed('successful'), problem(state, 'Bad driver')))).toEqual(
      onSuccess,
    );
    expect(
      actions(problemFollowUp(closed('successful-with-issues'), problem(state, 'Bad driver'))),
    ).toEqual(onSuccess);
    for (const outcome of ['failed', 'backed-out'] as const) {
      expect(actions(problemFollowUp(closed(outcome), problem(state, 'Bad driver')))).toEqual(
        onFailure,
      );
    }
    expect(actions(problemFollowUp(canceled, problem(state)))).toEqual(onFailure);
  });

  it('resolves "Fix Applied", pending verification, naming the change', () => {
    expect(
      problemFollowUp(
        closed('successful-with-issues', 'One node rebooted'),
        problem('Fix in Progress'),
      ),
    ).toEqual([
      {
        action: 'resolve',
        resolutionCode: FIXED_BY_CHANGE,
        resolutionNotes:
          'Fixed by CHG0001001, implemented with issues and closed; pending verification. One node rebooted',
      },
    ]);
    expect(FIXED_BY_CHANGE).toBe('Fix Applied');
  });

  it('a problem without a root cause gets a note: the fix cannot count yet', () => {
    const [step] = problemFollowUp(closed('successful'), problem('Root Cause Analysis'));
    expect(step).toMatchObject({
      action: 'addWorkNote',
      body: expect.stringContaining('root cause'),
    });
  });

  it('notes a failure and a cancelation with their reasons', () => {
    const [failed] = problemFollowUp(
      closed('backed-out', 'Replication broke'),
      problem('Fix in Progress'),
    );
    expect(failed).toMatchObject({
      body: 'CHG0001001 closed as backed-out: its fix is not in place. Replication broke',
    });
    const [note] = problemFollowUp(canceled, problem('Fix in Progress'));
    expect(note).toMatchObject({
      body: 'CHG0001001 was canceled: no fix from it. Reason: No longer needed',
    });
  });

  it('derives the note id from the change version and the problem, so replays write it once', () => {
    const once = problemFollowUp(canceled, problem('Assess'));
    expect(problemFollowUp(canceled, problem('Assess'))).toEqual(once);
    const otherProblem = problemFollowUp(canceled, { ...problem('Assess'), id: 'prb-2' });
    const nextVersion = problemFollowUp(
      { ...canceled, change: { ...canceled.change, version: canceled.change.version + 1 } },
      problem('Assess'),
    );
    const idOf = (steps: ReturnType<typeof problemFollowUp>) =>
      steps[0]?.action === 'addWorkNote' ? steps[0].commentId : undefined;
    expect(new Set([idOf(once), idOf(otherProblem), idOf(nextVersion)]).size).toBe(3);
  });

  it.each([
    ['Authorize', 'Scheduled', 'approve'],
    ['Implement', 'Review', 'review'],
    ['Scheduled', 'New', 'revertToNew'],
  ] as [ChangeState, ChangeState, string][])('plans nothing on %s -> %s', (from, to, action) => {
    const transition = { change: aChange(to), action, from, to };
    expect(problemFollowUp(transition, problem('Fix in Progress'))).toEqual([]);
  });
});
