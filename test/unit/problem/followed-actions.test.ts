import { describe, expect, it } from 'vitest';
import { ProblemActions } from '../../../functions/problem/domain';
import {
  FOLLOWED_PROBLEM_ACTIONS,
  incidentFollowUp,
} from '../../../shared/domain/problem-follow-up';
import { aProblem } from './fixtures';

describe('FOLLOWED_PROBLEM_ACTIONS', () => {
  it('names exactly the problem actions that plan follow-ups, so the rule drops nothing needed', () => {
    const problem = aProblem('Resolved');
    const awaiting = { id: 'inc-1', state: 'On Hold', holdReason: 'Awaiting Problem' } as const;
    const planning = ProblemActions.filter(
      (action) =>
        incidentFollowUp({ problem, action, from: 'Fix in Progress', to: 'Resolved' }, awaiting) !==
        undefined,
    );
    expect(planning).toEqual([...FOLLOWED_PROBLEM_ACTIONS]);
  });
});
