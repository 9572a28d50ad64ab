import { describe, expect, it } from 'vitest';
import {
  contains,
  IntervalSchema,
  overlaps,
  touchesSchedule,
  type WeeklySchedule,
  WeeklyScheduleSchema,
  withinSchedule,
} from '../../../functions/change/domain';

const at = (start: string, end: string) => ({ start, end });

describe('intervals are half-open', () => {
  const a = at('2025-03-08T22:00:00.000Z', '2025-03-09T02:00:00.000Z');
  it.each([
    ['touching before', at('2025-03-08T20:00:00.000Z', '2025-03-08T22:00:00.000Z'), false],
    ['touching after', at('2025-03-09T02:00:00.000Z', '2025-03-09T03:00:00.000Z'), false],
    ['one minute in', at('2025-03-08T20:00:00.000Z', '2025-03-08T22:01:00.000Z'), true],
    ['inside', at('2025-03-08T23:00:00.000Z', '2025-03-09T00:00:00.000Z'), true],
    ['around', at('2025-03-08T00:00:00.000Z', '2025-03-10T00:00:00.000Z'), true],
  ])('%s', (_, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
    expect(overlaps(b, a)).toBe(expected);
  });

  it('contains includes both ends', () => {
    expect(contains(a, a)).toBe(true);
    expect(contains(a, at('2025-03-08T21:59:00.000Z', '2025-03-09T01:00:00.000Z'))).toBe(false);
    expect(contains(a, at('2025-03-08T23:00:00.000Z', '2025-03-09T02:01:00.000Z'))).toBe(false);
  });

  it('an interval must end after it starts', () => {
    expect(
      IntervalSchema.safeParse(at('2025-03-08T22:00:00Z', '2025-03-08T22:00:00Z')).success,
    ).toBe(false);
  });
});

describe('weekly schedules', () => {
  // Saturday night, across midnight, as two slots that join.
  const parisNights: WeeklySchedule = {
    timeZone: 'Europe/Paris',
    slots: [
      { day: 'sat', start: '22:00', end: '24:00' },
      { day: 'sun', start: '00:00', end: '04:00' },
    ],
  };

  it.each([
    // 8 March 2025 is in winter time (UTC+1): 22:00 local is 21:00Z.
    ['the whole night', '2025-03-08T21:00:00.000Z', '2025-03-09T03:00:00.000Z', true],
    ['a minute early', '2025-03-08T20:59:00.000Z', '2025-03-09T01:00:00.000Z', false],
    ['a minute late', '2025-03-08T22:00:00.000Z', '2025-03-09T03:01:00.000Z', false],
    ['only Sunday morning', '2025-03-09T00:00:00.000Z', '2025-03-09T02:00:00.000Z', true],
    ['a Friday night', '2025-03-07T21:00:00.000Z', '2025-03-07T23:00:00.000Z', false],
    ['two weekends', '2025-03-08T21:00:00.000Z', '2025-03-15T23:00:00.000Z', false],
  ])('Paris nights: %s', (_, start, end, expected) => {
    expect(withinSchedule(at(start, end), parisNights)).toBe(expected);
  });

  it('follows daylight saving time', () => {
    // 30 March 2025: Paris clocks go from 02:00 to 03:00; 01:00-05:00 local is 00:00Z-03:00Z.
    const sunday: WeeklySchedule = {
      timeZone: 'Europe/Paris',
      slots: [{ day: 'sun', start: '01:00', end: '05:00' }],
    };
    expect(withinSchedule(at('2025-03-30T00:00:00.000Z', '2025-03-30T03:00:00.000Z'), sunday)).toBe(
      true,
    );
    expect(withinSchedule(at('2025-03-30T00:00:00.000Z', '2025-03-30T03:30:00.000Z'), sunday)).toBe(
      false,
    );
    // A week earlier, still winter time: 01:00-05:00 local is 00:00Z-04:00Z.
    expect(withinSchedule(at('2025-03-23T00:00:00.000Z', '2025-03-23T03:30:00.000Z'), sunday)).toBe(
      true,
    );
  });

  const newYorkOffice: WeeklySchedule = {
    timeZone: 'America/New_York',
    slots: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({
      day: day as 'mon',
      start: '09:00',
      end: '17:00',
    })),
  };
  it.each([
    // Monday 3 March 2025, UTC-5: 09:00 local is 14:00Z, 17:00 local is 22:00Z.
    ['ends as the office opens', '2025-03-03T13:00:00.000Z', '2025-03-03T14:00:00.000Z', false],
    ['runs into the morning', '2025-03-03T13:00:00.000Z', '2025-03-03T14:01:00.000Z', true],
    ['starts as the office closes', '2025-03-03T22:00:00.000Z', '2025-03-04T02:00:00.000Z', false],
    ['the weekend', '2025-03-08T14:00:00.000Z', '2025-03-09T22:00:00.000Z', false],
    ['over the weekend into Monday', '2025-03-08T14:00:00.000Z', '2025-03-10T14:30:00.000Z', true],
  ])('New York office hours: %s', (_, start, end, expected) => {
    expect(touchesSchedule(at(start, end), newYorkOffice)).toBe(expected);
  });

  it('a schedule without slots covers and touches nothing', () => {
    const none: WeeklySchedule = { timeZone: 'UTC', slots: [] };
    const window = at('2025-03-03T13:00:00.000Z', '2025-03-03T14:00:00.000Z');
    expect(withinSchedule(window, none)).toBe(false);
    expect(touchesSchedule(window, none)).toBe(false);
  });

  it.each([
    [{ timeZone: 'Mars/Olympus', slots: [] }, false],
    [{ timeZone: 'Europe/Paris', slots: [] }, true],
    [{ timeZone: 'Etc/UTC', slots: [] }, true],
    // Two names of one zone, of which the runtime's list holds one.
    [{ timeZone: 'Asia/Calcutta', slots: [] }, true],
    [{ timeZone: 'Asia/Kolkata', slots: [] }, true],
    [{ timeZone: 'UTC', slots: [{ day: 'mon', start: '10:00', end: '10:00' }] }, false],
    [{ timeZone: 'UTC', slots: [{ day: 'mon', start: '9:00', end: '10:00' }] }, false],
    [{ timeZone: 'UTC', slots: [{ day: 'monday', start: '09:00', end: '10:00' }] }, false],
    [{ timeZone: 'UTC', slots: [{ day: 'mon', start: '22:00', end: '24:00' }] }, true],
  ])('schema %j: %s', (schedule, valid) => {
    expect(WeeklyScheduleSchema.safeParse(schedule).success).toBe(valid);
  });
});
