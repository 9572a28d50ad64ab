import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidScheduleExpressionError,
  parseScheduleExpression,
  startSchedules,
} from '../../../local/schedules';

const MINUTE = 60_000;
// A Monday.
const START = new Date('2026-01-05T10:07:30Z');

function nextRuns(expression: string, count: number, from = START): string[] {
  const schedule = parseScheduleExpression(expression);
  if (schedule.kind !== 'cron') throw new Error('not a cron schedule');
  const runs: string[] = [];
  let after = from;
  for (let i = 0; i < count; i++) {
    const next = schedule.next(after);
    if (!next) break;
    runs.push(next.toISOString());
    after = next;
  }
  return runs;
}

describe('parseScheduleExpression', () => {
  it('parses rates in minutes, hours and days', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toEqual({ kind: 'rate', periodMs: MINUTE });
    expect(parseScheduleExpression('rate(15 minutes)')).toEqual({
      kind: 'rate',
      periodMs: 15 * MINUTE,
    });
    expect(parseScheduleExpression('rate(2 hours)')).toEqual({
      kind: 'rate',
      periodMs: 120 * MINUTE,
    });
    expect(parseScheduleExpression('rate(1 day)')).toEqual({
      kind: 'rate',
      periodMs: 1440 * MINUTE,
    });
  });

  it.each([
    'rate(1 minutes)',
    'rate(5 minute)',
    'rate(0 minutes)',
    'rate(10 seconds)',
    'rate(1.5 hours)',
    'cron(0 12 * * *)',
    'cron(0 12 * * MON *)',
    'cron(0 12 ? * ? *)',
    'cron(0 25 ? * MON *)',
    'at(2026-01-01T00:00:00)',
    'every 5 minutes',
  ])('rejects %s', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(InvalidScheduleExpressionError);
  });

  it('computes EventBridge cron schedules in UTC', () => {
    expect(nextRuns('cron(0/15 * * * ? *)', 3)).toEqual([
      '2026-01-05T10:15:00.000Z',
      '2026-01-05T10:30:00.000Z',
      '2026-01-05T10:45:00.000Z',
    ]);
    expect(nextRuns('cron(0 12 ? * MON-FRI *)', 6)).toEqual([
      '2026-01-05T12:00:00.000Z',
      '2026-01-06T12:00:00.000Z',
      '2026-01-07T12:00:00.000Z',
      '2026-01-08T12:00:00.000Z',
      '2026-01-09T12:00:00.000Z',
      '2026-01-12T12:00:00.000Z',
    ]);
  });

  it('numbers weekdays from 1 = Sunday like EventBridge', () => {
    expect(nextRuns('cron(0 10 ? * 1 *)', 1)).toEqual(['2026-01-11T10:00:00.000Z']);
    expect(nextRuns('cron(0 10 ? * 2 *)', 1)).toEqual(['2026-01-12T10:00:00.000Z']);
  });

  it('supports L, W, # and the year field', () => {
    expect(nextRuns('cron(0 10 L * ? *)', 2)).toEqual([
      '2026-01-31T10:00:00.000Z',
      '2026-02-28T10:00:00.000Z',
    ]);
    expect(nextRuns('cron(0 10 ? * 6L *)', 1)).toEqual(['2026-01-30T10:00:00.000Z']);
    expect(nextRuns('cron(0 10 ? * 6#3 *)', 1)).toEqual(['2026-01-16T10:00:00.000Z']);
    // 15 February 2026 is a Sunday: the nearest weekday is Monday the 16th.
    expect(nextRuns('cron(0 10 15W * ? *)', 2)).toEqual([
      '2026-01-15T10:00:00.000Z',
      '2026-02-16T10:00:00.000Z',
    ]);
    expect(nextRuns('cron(0 10 1 JAN ? 2027-2028)', 3)).toEqual([
      '2027-01-01T10:00:00.000Z',
      '2028-01-01T10:00:00.000Z',
    ]);
  });
});

describe('startSchedules', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a rate rule once per period, starting one period after the start', async () => {
    const fire = vi.fn(async (_ruleId: string) => {});
    const schedules = startSchedules([{ id: 'Sweep', schedule: 'rate(15 minutes)' }], fire);

    await vi.advanceTimersByTimeAsync(15 * MINUTE - 1);
    expect(fire).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fire).toHaveBeenCalledTimes(1);
    expect(fire).toHaveBeenCalledWith('Sweep');
    await vi.advanceTimersByTimeAsync(30 * MINUTE);
    expect(fire).toHaveBeenCalledTimes(3);
    schedules.stop();
  });

  it('fires a cron rule at the matching times', async () => {
    const fire = vi.fn(async (_ruleId: string) => {});
    const schedules = startSchedules([{ id: 'Quarter', schedule: 'cron(0/15 * * * ? *)' }], fire);

    // From 10:07:30 the next runs are 10:15 and 10:30.
    await vi.advanceTimersByTimeAsync(7.5 * MINUTE - 1);
    expect(fire).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fire).toHaveBeenCalledTimes(1);
    expect(Date.now()).toBe(new Date('2026-01-05T10:15:00Z').getTime());
    await vi.advanceTimersByTimeAsync(15 * MINUTE);
    expect(fire).toHaveBeenCalledTimes(2);
    schedules.stop();
  });

  it('keeps each rule on its own schedule', async () => {
    const fire = vi.fn(async (_ruleId: string) => {});
    const schedules = startSchedules(
      [
        { id: 'Fast', schedule: 'rate(1 minute)' },
        { id: 'Slow', schedule: 'rate(5 minutes)' },
      ],
      fire,
    );
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    const calls = fire.mock.calls.map(([id]) => id);
    expect(calls.filter((id) => id === 'Fast')).toHaveLength(10);
    expect(calls.filter((id) => id === 'Slow')).toHaveLength(2);
    schedules.stop();
  });

  it('logs a failing fire and keeps going', async () => {
    const logger = { error: vi.fn() };
    const fire = vi.fn(async () => {
      throw new Error('target down');
    });
    const schedules = startSchedules([{ id: 'Sweep', schedule: 'rate(1 minute)' }], fire, {
      logger,
    });
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    expect(fire).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining('target down'));
    schedules.stop();
  });

  it('stops firing after stop()', async () => {
    const fire = vi.fn(async (_ruleId: string) => {});
    const schedules = startSchedules([{ id: 'Sweep', schedule: 'rate(1 minute)' }], fire);
    await vi.advanceTimersByTimeAsync(MINUTE);
    schedules.stop();
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(fire).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits longer than the maximum timer delay by re-arming', async () => {
    const fire = vi.fn(async (_ruleId: string) => {});
    // The next 1 January 2027 is almost a year away.
    const schedules = startSchedules([{ id: 'Yearly', schedule: 'cron(0 0 1 1 ? *)' }], fire);
    await vi.advanceTimersByTimeAsync(30 * 24 * 60 * MINUTE);
    expect(fire).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(new Date('2027-01-01T00:00:00Z').getTime() - Date.now());
    expect(fire).toHaveBeenCalledTimes(1);
    schedules.stop();
  });

  it('rejects an invalid expression before starting anything', () => {
    expect(() =>
      startSchedules(
        [
          { id: 'Good', schedule: 'rate(1 minute)' },
          { id: 'Bad', schedule: 'rate(1 minutes)' },
        ],
        async () => {},
      ),
    ).toThrow(InvalidScheduleExpressionError);
    expect(vi.getTimerCount()).toBe(0);
  });
});
