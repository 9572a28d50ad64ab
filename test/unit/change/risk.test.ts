import { describe, expect, it } from 'vitest';
import {
  approvalPathFor,
  assessRisk,
  type BlackoutWindow,
  ChangeModels,
  type ChangeOutcome,
  RiskFactors,
  type RiskInput,
  RiskLevels,
  type WeeklySchedule,
} from '../../../functions/change/domain';
import { NOW, PLANNED_END, PLANNED_START } from './fixtures';

const OFFICE_HOURS: WeeklySchedule = {
  timeZone: 'UTC',
  slots: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({
    day: day as 'mon',
    start: '09:00',
    end: '17:00',
  })),
};

/** A normal change on a low-criticality CI, Saturday night, nothing else: 5 points. */
function input(overrides: Partial<RiskInput> = {}): RiskInput {
  return {
    model: 'normal',
    cis: [{ id: 'ci-db', criticality: 4 }],
    impactedServices: [],
    window: { start: PLANNED_START, end: PLANNED_END },
    businessHours: OFFICE_HOURS,
    blackouts: [],
    pastOutcomes: [],
    now: NOW,
    ...overrides,
  };
}

function pointsOf(factor: (typeof RiskFactors)[number], overrides: Partial<RiskInput>): number {
  const reason = assessRisk(input(overrides)).reasons.find((r) => r.factor === factor);
  if (!reason) throw new Error(`no ${factor} reason`);
  return reason.points;
}

const services = (count: number, criticality: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `svc-${criticality}-${i}`, criticality }));

describe('assessRisk', () => {
  it('gives one reason per factor, in order, summing to the score', () => {
    const risk = assessRisk(input());
    expect(risk.reasons.map((reason) => reason.factor)).toEqual([...RiskFactors]);
    expect(risk.score).toBe(risk.reasons.reduce((sum, reason) => sum + reason.points, 0));
    expect(risk).toMatchObject({
      score: 5,
      level: 'low',
      approvalPath: 'ci-owners',
      assessedAt: NOW,
    });
  });

  it.each([
    [[1], 30],
    [[2], 20],
    [[3], 10],
    [[4], 0],
    [[4, 2, 3], 20],
    [[], 20],
  ])('CI criticalities %j give %i points', (criticalities, points) => {
    const cis = criticalities.map((criticality, i) => ({ id: `ci-${i}`, criticality }));
    expect(pointsOf('ci-criticality', { cis })).toBe(points);
  });

  it.each([
    ['none', [], false, 0],
    ['one critical service', services(1, 1), false, 10],
    ['a service of each criticality', [1, 2, 3, 4].flatMap((c) => services(1, c)), false, 18],
    ['three critical services, capped', services(3, 1), false, 30],
    ['the same service twice counts once', [...services(1, 2), ...services(1, 2)], false, 5],
    ['a truncated walk, extent unknown', services(1, 4), true, 30],
  ])('blast radius: %s', (_, impactedServices, impactTruncated, points) => {
    expect(pointsOf('blast-radius', { impactedServices, impactTruncated })).toBe(points);
  });

  it.each([
    ['Saturday night', { start: PLANNED_START, end: PLANNED_END }, 0],
    ['Monday morning', { start: '2025-03-03T08:00:00.000Z', end: '2025-03-03T09:01:00.000Z' }, 10],
    [
      'ending as the day starts',
      { start: '2025-03-03T08:00:00.000Z', end: '2025-03-03T09:00:00.000Z' },
      0,
    ],
    ['no window yet', undefined, 10],
  ])('business hours: %s', (_, window, points) => {
    expect(pointsOf('business-hours', { window })).toBe(points);
  });

  const freeze = (scope: BlackoutWindow['scope']): BlackoutWindow => ({
    id: 'bo-1',
    name: 'Quarter close',
    start: '2025-03-08T00:00:00.000Z',
    end: '2025-03-09T00:00:00.000Z',
    scope,
  });
  it.each([
    ['a freeze on everything', [freeze({ kind: 'all' })], 20],
    ['a freeze on this CI', [freeze({ kind: 'cis', cis: ['ci-db', 'ci-x'] })], 20],
    ['a freeze on other CIs', [freeze({ kind: 'cis', cis: ['ci-x'] })], 0],
    ['no freeze', [], 0],
  ])('blackout: %s', (_, blackouts, points) => {
    expect(pointsOf('blackout', { blackouts })).toBe(points);
  });

  it.each([
    ['normal', 5],
    ['standard', 0],
    ['emergency', 15],
  ] as const)('change model %s gives %i', (model, points) => {
    expect(pointsOf('change-model', { model })).toBe(points);
  });

  const outcomes = (failed: number, total: number, failure: ChangeOutcome = 'failed') =>
    Array.from({ length: total }, (_, i): ChangeOutcome => (i < failed ? failure : 'successful'));
  it.each([
    ['4 of 4 failed: too few to tell', outcomes(4, 4), 0],
    ['0 of 5 failed', outcomes(0, 5), 0],
    ['1 of 11 failed (9%)', outcomes(1, 11), 0],
    ['1 of 10 failed (10%)', outcomes(1, 10), 5],
    ['2 of 9 failed (22%)', outcomes(2, 9), 5],
    ['2 of 8 backed out (25%)', outcomes(2, 8, 'backed-out'), 12],
    ['4 of 9 failed (44%)', outcomes(4, 9), 12],
    ['5 of 10 failed (50%)', outcomes(5, 10), 20],
    ['6 of 6 with issues: not failures', outcomes(6, 6, 'successful-with-issues'), 0],
  ])('failure rate: %s', (_, pastOutcomes, points) => {
    expect(pointsOf('failure-rate', { pastOutcomes })).toBe(points);
  });

  // n services of criticality 4 add exactly n points, which puts a score anywhere.
  const MONDAY_MORNING = { start: '2025-03-03T10:00:00.000Z', end: '2025-03-03T11:00:00.000Z' };
  const SATURDAY_NIGHT = { start: PLANNED_START, end: PLANNED_END };
  it.each([
    [SATURDAY_NIGHT, 4, 19, 24, 'low'],
    [SATURDAY_NIGHT, 4, 20, 25, 'moderate'],
    [SATURDAY_NIGHT, 2, 19, 44, 'moderate'],
    [SATURDAY_NIGHT, 2, 20, 45, 'high'],
    [MONDAY_MORNING, 1, 19, 64, 'high'],
    [MONDAY_MORNING, 1, 20, 65, 'very-high'],
  ] as const)(
    'boundary: %o, criticality %i, %i services: %i, %s',
    (window, criticality, count, score, level) => {
      const risk = assessRisk(
        input({
          cis: [{ id: 'ci-db', criticality }],
          impactedServices: services(count, 4),
          window,
        }),
      );
      expect(risk.score).toBe(score);
      expect(risk.level).toBe(level);
    },
  );
});

describe('approvalPathFor', () => {
  const expected = {
    normal: { low: 'ci-owners', moderate: 'ci-owners', high: 'cab', 'very-high': 'cab' },
    standard: {
      low: 'pre-approved',
      moderate: 'pre-approved',
      high: 'pre-approved',
      'very-high': 'pre-approved',
    },
    emergency: {
      low: 'emergency-cab',
      moderate: 'emergency-cab',
      high: 'emergency-cab',
      'very-high': 'emergency-cab',
    },
  } as const;
  const cases = ChangeModels.flatMap((model) => RiskLevels.map((level) => ({ model, level })));
  it.each(cases)('$model at $level', ({ model, level }) => {
    expect(approvalPathFor(model, level)).toBe(expected[model][level]);
  });

  it('assessRisk chooses the path from the model and the level', () => {
    const emergency = assessRisk(input({ model: 'emergency' }));
    expect(emergency).toMatchObject({ level: 'low', approvalPath: 'emergency-cab' });
    const critical = assessRisk(
      input({ cis: [{ id: 'ci-db', criticality: 1 }], window: undefined }),
    );
    expect(critical).toMatchObject({ score: 45, level: 'high', approvalPath: 'cab' });
  });
});
