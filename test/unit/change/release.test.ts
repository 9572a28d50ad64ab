import { describe, expect, it } from 'vitest';
import {
  type ChangeOutcome,
  type ChangeState,
  type Release,
  type ReleaseMember,
  ReleaseSchema,
  type ReleaseState,
  releaseStatus,
} from '../../../functions/change/domain';
import { NOW, PLANNED_END, PLANNED_START } from './fixtures';

const RELEASE: Release = {
  id: 'rls-1',
  number: 'RLS0001001',
  name: 'March release',
  targetStart: '2025-03-08T00:00:00.000Z',
  targetEnd: '2025-03-10T00:00:00.000Z',
  changeIds: [],
  createdAt: NOW,
  updatedAt: NOW,
  version: 1,
};

/** `Closed:failed` is a change closed with that outcome; `Review` one reviewed successful. */
function member(index: number, token: string): ReleaseMember {
  const [state, outcome] = token.split(':') as [ChangeState, ChangeOutcome | undefined];
  const reviewed = state === 'Review' || state === 'Closed';
  return {
    id: `chg-${index}`,
    number: `CHG000100${index}`,
    state,
    plannedStart: PLANNED_START,
    plannedEnd: PLANNED_END,
    ...(reviewed ? { outcome: outcome ?? 'successful' } : {}),
  };
}

function statusOf(tokens: string[]) {
  const changes = tokens.map((token, index) => member(index, token));
  return releaseStatus({ ...RELEASE, changeIds: changes.map((c) => c.id) }, changes);
}

describe('releaseStatus: the release follows its changes', () => {
  it.each([
    [[], 'planned'],
    [['New', 'Scheduled'], 'planned'],
    [['Scheduled', 'Implement'], 'in-progress'],
    [['Closed', 'Scheduled'], 'in-progress'],
    [['Review', 'Closed'], 'deployed'],
    [['Closed:successful-with-issues', 'Closed'], 'deployed'],
    [['Closed', 'Canceled'], 'deployed'],
    [['Canceled', 'Canceled'], 'canceled'],
    [['Closed', 'Closed:failed'], 'needs-attention'],
    [['Review:backed-out', 'Scheduled'], 'needs-attention'],
    [['Canceled', 'Closed:failed'], 'needs-attention'],
  ] as [string[], ReleaseState][])('%j -> %s', (tokens, state) => {
    expect(statusOf(tokens).state).toBe(state);
  });

  it('explains the state', () => {
    expect(statusOf(['Closed', 'Closed:failed', 'Review:backed-out']).reasons).toEqual([
      'Failed or backed out: CHG0001001, CHG0001002.',
    ]);
    expect(statusOf(['Implement', 'Scheduled']).reasons).toEqual([
      'Implementation has begun: CHG0001000.',
      'Not yet implemented: CHG0001000, CHG0001001.',
    ]);
    expect(statusOf([]).reasons).toEqual(['The release has no changes yet.']);
  });

  it('a change it cannot find keeps it from being deployed, and is reported', () => {
    const done = member(1, 'Closed');
    const status = releaseStatus({ ...RELEASE, changeIds: ['chg-1', 'chg-404'] }, [done]);
    expect(status).toMatchObject({ state: 'in-progress', missing: ['chg-404'] });
    expect(status.reasons).toContain('Unknown changes: chg-404.');
  });

  it('reports changes planned outside the target window, not canceled ones', () => {
    const late = { ...member(1, 'Scheduled'), plannedEnd: '2025-03-10T00:30:00.000Z' };
    const canceled = { ...member(2, 'Canceled'), plannedStart: '2025-04-01T00:00:00.000Z' };
    const inside = member(3, 'Scheduled');
    const status = releaseStatus({ ...RELEASE, changeIds: ['chg-1', 'chg-2', 'chg-3'] }, [
      late,
      canceled,
      inside,
    ]);
    expect(status.outsideTargetWindow).toEqual(['chg-1']);
  });

  it('the target window must end after it starts', () => {
    expect(ReleaseSchema.safeParse(RELEASE).success).toBe(true);
    expect(ReleaseSchema.safeParse({ ...RELEASE, targetEnd: RELEASE.targetStart }).success).toBe(
      false,
    );
  });
});
