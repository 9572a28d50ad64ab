import { describe, expect, it } from 'vitest';
import {
  type BlackoutWindow,
  type BookedChange,
  type ChangeModel,
  ChangeStates,
  type Conflict,
  type ConflictContext,
  canSchedule,
  detectConflicts,
  type WeeklySchedule,
} from '../../../functions/change/domain';
import { aChange, NOW, PLANNED_END, PLANNED_START } from './fixtures';

// The change under test: CHG0001001 on ci-db, Saturday 22:00 to Sunday 02:00 UTC, agent-1.
const change = aChange('Assess');

function other(overrides: Partial<BookedChange> = {}): BookedChange {
  return {
    id: 'chg-2',
    number: 'CHG0001002',
    state: 'Scheduled',
    affectedCis: ['ci-db'],
    assignee: 'agent-2',
    plannedStart: '2025-03-09T01:00:00.000Z',
    plannedEnd: '2025-03-09T03:00:00.000Z',
    ...overrides,
  };
}

function context(overrides: Partial<ConflictContext> = {}): ConflictContext {
  return { otherChanges: [], relatedCis: {}, maintenanceWindows: {}, blackouts: [], ...overrides };
}

function blackout(overrides: Partial<BlackoutWindow> = {}): BlackoutWindow {
  return {
    id: 'bo-1',
    name: 'Quarter close',
    start: '2025-03-09T00:00:00.000Z',
    end: '2025-03-10T00:00:00.000Z',
    scope: { kind: 'all' },
    ...overrides,
  };
}

const kinds = (conflicts: Conflict[]) => conflicts.map((conflict) => conflict.kind);

describe('detectConflicts', () => {
  it('finds none for a change without a complete window', () => {
    const unplanned = aChange('New', 'normal', { plannedEnd: undefined });
    expect(detectConflicts(unplanned, context({ blackouts: [blackout()] }))).toEqual([]);
  });

  describe('blackout', () => {
    it.each([
      ['on all CIs, overlapping', blackout(), ['ci-db']],
      ['on this CI', blackout({ scope: { kind: 'cis', cis: ['ci-x', 'ci-db'] } }), ['ci-db']],
      ['on other CIs', blackout({ scope: { kind: 'cis', cis: ['ci-x'] } }), undefined],
      ['ending as the change starts', blackout({ start: NOW, end: PLANNED_START }), undefined],
      [
        'starting as the change ends',
        blackout({ start: PLANNED_END, end: '2025-03-10T00:00:00.000Z' }),
        undefined,
      ],
    ])('%s', (_, window, cis) => {
      const conflicts = detectConflicts(change, context({ blackouts: [window] }));
      if (cis === undefined) {
        expect(conflicts).toEqual([]);
        return;
      }
      expect(conflicts).toEqual([
        {
          kind: 'blackout',
          explanation: expect.stringContaining("'Quarter close'"),
          cis,
          blackout: { id: 'bo-1', name: 'Quarter close' },
        },
      ]);
    });
  });

  describe('overlapping changes hold their window from Authorize to Implement', () => {
    const holding = ['Authorize', 'Scheduled', 'Implement'];
    it.each(ChangeStates)('another change in %s', (state) => {
      const conflicts = detectConflicts(change, context({ otherChanges: [other({ state })] }));
      expect(kinds(conflicts)).toEqual(holding.includes(state) ? ['same-ci-overlap'] : []);
    });
  });

  it('describes a same-CI overlap with the other change', () => {
    const [conflict] = detectConflicts(change, context({ otherChanges: [other()] }));
    expect(conflict).toEqual({
      kind: 'same-ci-overlap',
      explanation: 'CHG0001002 (Scheduled) changes ci-db at an overlapping time.',
      cis: ['ci-db'],
      otherChange: { id: 'chg-2', number: 'CHG0001002', state: 'Scheduled' },
    });
  });

  it.each([
    [
      'touching windows',
      other({ plannedStart: PLANNED_END, plannedEnd: '2025-03-09T05:00:00.000Z' }),
    ],
    ['another change without a window', other({ plannedStart: undefined })],
    ['the change itself', other({ id: change.id })],
  ])('ignores %s', (_, booked) => {
    expect(detectConflicts(change, context({ otherChanges: [booked] }))).toEqual([]);
  });

  it('flags a change on a related CI, and only once per other change', () => {
    const relatedCis = { 'ci-db': ['ci-app', 'ci-storage'] };
    const onApp = other({ affectedCis: ['ci-app', 'ci-storage'] });
    expect(detectConflicts(change, context({ otherChanges: [onApp], relatedCis }))).toEqual([
      {
        kind: 'related-ci-overlap',
        explanation:
          'CHG0001002 (Scheduled) changes ci-app (related to ci-db), ci-storage (related to ci-db) at an overlapping time.',
        cis: ['ci-db'],
        otherChange: { id: 'chg-2', number: 'CHG0001002', state: 'Scheduled' },
      },
    ]);
    const onBoth = other({ affectedCis: ['ci-db', 'ci-app'] });
    expect(kinds(detectConflicts(change, context({ otherChanges: [onBoth], relatedCis })))).toEqual(
      ['same-ci-overlap'],
    );
    const unrelated = other({ affectedCis: ['ci-web'] });
    expect(detectConflicts(change, context({ otherChanges: [unrelated], relatedCis }))).toEqual([]);
  });

  it('flags the assignee booked on another change at the same time', () => {
    const elsewhere = other({ affectedCis: ['ci-web'], assignee: 'agent-1' });
    expect(detectConflicts(change, context({ otherChanges: [elsewhere] }))).toEqual([
      {
        kind: 'assignee-booked',
        explanation: 'agent-1 is assigned CHG0001002 (Scheduled) at an overlapping time.',
        cis: [],
        otherChange: { id: 'chg-2', number: 'CHG0001002', state: 'Scheduled' },
      },
    ]);
    const unassigned = aChange('Assess', 'normal', { assignee: undefined });
    expect(detectConflicts(unassigned, context({ otherChanges: [elsewhere] }))).toEqual([]);
  });

  const saturdayNight: WeeklySchedule = {
    timeZone: 'UTC',
    slots: [
      { day: 'sat', start: '20:00', end: '24:00' },
      { day: 'sun', start: '00:00', end: '02:00' },
    ],
  };
  it.each<[string, WeeklySchedule, string[]]>([
    ['covering the window', saturdayNight, []],
    [
      'ending too early',
      { ...saturdayNight, slots: [{ day: 'sat', start: '20:00', end: '24:00' }] },
      ['outside-maintenance-window'],
    ],
    [
      'on another day',
      { timeZone: 'UTC', slots: [{ day: 'tue', start: '00:00', end: '24:00' }] },
      ['outside-maintenance-window'],
    ],
  ])('maintenance window %s', (_, schedule, expected) => {
    const conflicts = detectConflicts(
      change,
      context({ maintenanceWindows: { 'ci-db': schedule } }),
    );
    expect(kinds(conflicts)).toEqual(expected);
    if (expected.length > 0) {
      expect(conflicts[0]).toMatchObject({
        cis: ['ci-db'],
        explanation: expect.stringContaining('ci-db'),
      });
    }
  });

  it('lists conflicts by kind, then in the order found', () => {
    const conflicts = detectConflicts(
      aChange('Assess', 'normal', { affectedCis: ['ci-db', 'ci-queue'] }),
      context({
        otherChanges: [
          other({
            id: 'chg-3',
            number: 'CHG0001003',
            affectedCis: ['ci-app'],
            assignee: 'agent-1',
          }),
          other(),
        ],
        relatedCis: { 'ci-db': ['ci-app'] },
        maintenanceWindows: { 'ci-queue': { timeZone: 'UTC', slots: [] } },
        blackouts: [blackout({ id: 'bo-2', name: 'Audit' }), blackout()],
      }),
    );
    expect(
      conflicts.map((c) => [c.kind, c.otherChange?.number ?? c.blackout?.id ?? c.cis[0]]),
    ).toEqual([
      ['blackout', 'bo-2'],
      ['blackout', 'bo-1'],
      ['same-ci-overlap', 'CHG0001002'],
      ['related-ci-overlap', 'CHG0001003'],
      ['assignee-booked', 'CHG0001003'],
      ['outside-maintenance-window', 'ci-queue'],
    ]);
  });
});

describe('canSchedule', () => {
  const [BLACKOUT] = detectConflicts(change, context({ blackouts: [blackout()] })) as [Conflict];
  const [AUDIT] = detectConflicts(
    change,
    context({ blackouts: [blackout({ id: 'bo-2', name: 'Audit' })] }),
  ) as [Conflict];
  const [OVERLAP] = detectConflicts(change, context({ otherChanges: [other()] })) as [Conflict];
  const override = { by: 'agent-1', at: NOW, reason: 'Payments are down' };

  it.each(['normal', 'standard', 'emergency'] as const)(
    'other conflicts never block a %s change',
    (model: ChangeModel) => {
      expect(canSchedule(aChange('New', model), [OVERLAP])).toEqual({
        allowed: true,
        override: undefined,
      });
    },
  );

  it.each(['normal', 'standard'] as const)(
    'a blackout blocks a %s change, override or not',
    (model) => {
      const verdict = canSchedule(aChange('New', model), [OVERLAP, BLACKOUT], override);
      expect(verdict).toEqual({
        allowed: false,
        blocking: [BLACKOUT],
        reasons: [expect.stringContaining('only an emergency change'), BLACKOUT.explanation],
      });
    },
  );

  it.each([undefined, { by: 'agent-1', at: NOW }, { by: 'agent-1', at: NOW, reason: '  ' }])(
    'an emergency change needs a reason to override a blackout (%j)',
    (request) => {
      const verdict = canSchedule(aChange('New', 'emergency'), [BLACKOUT], request);
      expect(verdict).toMatchObject({ allowed: false, blocking: [BLACKOUT] });
    },
  );

  it('records who overrode which blackouts, when and why', () => {
    expect(canSchedule(aChange('New', 'emergency'), [BLACKOUT, OVERLAP, AUDIT], override)).toEqual({
      allowed: true,
      override: {
        overriddenBy: 'agent-1',
        overriddenAt: NOW,
        reason: 'Payments are down',
        conflicts: [BLACKOUT, AUDIT],
      },
    });
  });

  it('an override already recorded covers its blackouts, not others', () => {
    const recorded = {
      overriddenBy: 'agent-7',
      overriddenAt: NOW,
      reason: 'Outage',
      conflicts: [BLACKOUT],
    };
    const emergency = aChange('Authorize', 'emergency', { conflictOverride: recorded });
    expect(canSchedule(emergency, [BLACKOUT])).toEqual({ allowed: true, override: recorded });
    expect(canSchedule(emergency, [BLACKOUT, AUDIT])).toMatchObject({
      allowed: false,
      blocking: [AUDIT],
    });
  });
});
