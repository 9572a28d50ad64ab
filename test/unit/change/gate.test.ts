import { describe, expect, it } from 'vitest';
import {
  type BlackoutWindow,
  type Change,
  ChangeStates,
  type Conflict,
  type GateRequest,
  gate,
} from '../../../functions/change/domain';
import { ValidationError } from '../../../shared/errors';
import { aChange, NOW } from './fixtures';

// CHG0001001 covers ci-db from Saturday 22:00 to Sunday 02:00 UTC.
const scheduled = aChange('Scheduled');
const DEPLOY = { start: '2025-03-08T22:30:00.000Z', end: '2025-03-08T23:00:00.000Z' };

function request(overrides: Partial<GateRequest> = {}): GateRequest {
  return { cis: ['ci-db'], window: DEPLOY, ...overrides };
}

const freeze: BlackoutWindow = {
  id: 'bo-1',
  name: 'Quarter close',
  start: '2025-03-08T00:00:00.000Z',
  end: '2025-03-09T00:00:00.000Z',
  scope: { kind: 'cis', cis: ['ci-db'] },
};

function collision(state: Change['state']): Conflict {
  return {
    kind: 'same-ci-overlap',
    explanation: `CHG0001002 (${state}) changes ci-db at an overlapping time.`,
    cis: ['ci-db'],
    otherChange: { id: 'chg-2', number: 'CHG0001002', state },
  };
}

const codes = (decision: ReturnType<typeof gate>) => decision.reasons.map((reason) => reason.code);

describe('gate', () => {
  it('allows a deployment an approved change covers', () => {
    expect(gate(request(), [scheduled], [], {})).toEqual({
      decision: 'allow',
      reasons: [{ code: 'covered', message: 'ci-db is covered by CHG0001001.' }],
      warnings: [],
      coveredBy: [{ ci: 'ci-db', changeId: 'chg-1', number: 'CHG0001001' }],
    });
  });

  describe('only a change in Scheduled or Implement covers', () => {
    it.each(ChangeStates)('%s', (state) => {
      const decision = gate(request(), [aChange(state)], [], {});
      expect(decision.decision).toBe(
        state === 'Scheduled' || state === 'Implement' ? 'allow' : 'deny',
      );
    });
  });

  it.each([
    ['starting before the change window', { start: '2025-03-08T21:59:00.000Z', end: DEPLOY.end }],
    ['ending after it', { start: DEPLOY.start, end: '2025-03-09T02:01:00.000Z' }],
  ])('denies a deployment %s', (_, window) => {
    const decision = gate(request({ window }), [scheduled], [], {});
    expect(decision.decision).toBe('deny');
    expect(decision.reasons).toEqual([
      { code: 'no-approved-change', message: expect.stringContaining('ci-db') },
    ]);
  });

  it('denies for each CI no change covers, and for unknown resources', () => {
    const decision = gate(
      request({ cis: ['ci-db', 'ci-web'], unknownResources: ['arn:aws:s3:::orphan'] }),
      [scheduled],
      [],
      {},
    );
    expect(decision.decision).toBe('deny');
    expect(decision.reasons).toEqual([
      {
        code: 'unknown-resource',
        message: 'arn:aws:s3:::orphan is not in the CMDB: no change can cover it.',
      },
      { code: 'no-approved-change', message: expect.stringContaining('ci-web') },
    ]);
    expect(decision.coveredBy).toEqual([{ ci: 'ci-db', changeId: 'chg-1', number: 'CHG0001001' }]);
  });

  it('honours the change the pipeline names, by id or number', () => {
    const other = aChange('Scheduled', 'normal', { id: 'chg-2', number: 'CHG0001002' });
    expect(gate(request({ change: 'CHG0001002' }), [scheduled, other], [], {}).coveredBy).toEqual([
      { ci: 'ci-db', changeId: 'chg-2', number: 'CHG0001002' },
    ]);
    expect(
      gate(request({ change: 'chg-1' }), [scheduled, other], [], {}).coveredBy[0]?.changeId,
    ).toBe('chg-1');
    const named = gate(request({ change: 'CHG0009999' }), [scheduled], [], {});
    expect(named.reasons).toEqual([
      { code: 'no-approved-change', message: expect.stringContaining('under CHG0009999') },
    ]);
  });

  it('denies in a blackout covering the CIs, even with an approved change', () => {
    const decision = gate(request(), [scheduled], [freeze], {});
    expect(codes(decision)).toEqual(['blackout']);
    const elsewhere = { ...freeze, scope: { kind: 'cis' as const, cis: ['ci-web'] } };
    expect(gate(request(), [scheduled], [elsewhere], {}).decision).toBe('allow');
  });

  it('allows an emergency change through the blackout it overrode, with a warning', () => {
    const [blackout] = [
      {
        kind: 'blackout' as const,
        explanation: 'x',
        cis: ['ci-db'],
        blackout: { id: 'bo-1', name: 'Quarter close' },
      },
    ];
    const emergency = aChange('Implement', 'emergency', {
      conflictOverride: {
        overriddenBy: 'agent-1',
        overriddenAt: NOW,
        reason: 'Outage',
        conflicts: [blackout],
      },
    });
    const decision = gate(request(), [emergency], [freeze], {});
    expect(decision.decision).toBe('allow');
    expect(decision.warnings).toEqual([
      expect.stringContaining('An emergency change overrode it.'),
    ]);
    const anotherFreeze = { ...freeze, id: 'bo-2' };
    expect(codes(gate(request(), [emergency], [anotherFreeze], {}))).toEqual(['blackout']);
  });

  it.each([
    ['Implement', 'deny'],
    ['Scheduled', 'allow'],
  ] as const)('an overlap with a change in %s: %s', (state, expected) => {
    const decision = gate(request(), [scheduled], [], { 'chg-1': [collision(state)] });
    expect(decision.decision).toBe(expected);
    if (expected === 'deny') {
      expect(decision.reasons).toEqual([
        { code: 'conflict', message: expect.stringContaining('being implemented now') },
      ]);
    } else expect(decision.warnings).toEqual([`CHG0001001: ${collision(state).explanation}`]);
  });

  it('passes other conflicts on as warnings', () => {
    const outside: Conflict = {
      kind: 'outside-maintenance-window',
      explanation: 'The window is not within the maintenance window of ci-db.',
      cis: ['ci-db'],
    };
    const decision = gate(request(), [scheduled], [], { 'chg-1': [outside] });
    expect(decision).toMatchObject({
      decision: 'allow',
      warnings: [`CHG0001001: ${outside.explanation}`],
    });
  });

  it('refuses a request naming nothing or a backwards window', () => {
    expect(() => gate(request({ cis: [] }), [], [], {})).toThrow(ValidationError);
    expect(() =>
      gate(request({ window: { start: DEPLOY.end, end: DEPLOY.start } }), [], [], {}),
    ).toThrow(ValidationError);
  });
});
