import * as z from '../../../shared/zod';

/**
 * Time windows: intervals between two instants, and recurring weekly slots in a time zone
 * (business hours, a CI's maintenance window). Intervals are half-open, [start, end): a change
 * ending at 02:00 does not overlap one starting at 02:00.
 */
export interface Interval {
  start: string;
  end: string;
}

export const IntervalSchema = z.object({ start: z.iso.datetime(), end: z.iso.datetime() }).check(
  z.refine((interval) => Date.parse(interval.end) > Date.parse(interval.start), {
    message: 'must end after it starts',
    path: ['end'],
  }),
);

export function overlaps(a: Interval, b: Interval): boolean {
  return Date.parse(a.start) < Date.parse(b.end) && Date.parse(b.start) < Date.parse(a.end);
}

export function contains(outer: Interval, inner: Interval): boolean {
  return (
    Date.parse(outer.start) <= Date.parse(inner.start) &&
    Date.parse(inner.end) <= Date.parse(outer.end)
  );
}

export const Weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof Weekdays)[number];

const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/**
 * One slot a week, on the local clock of the schedule's time zone. A slot ends the day it
 * starts (`24:00` is midnight at its end); a slot across midnight is two slots, and adjacent
 * slots join, so Saturday 22:00-24:00 and Sunday 00:00-04:00 cover one night.
 */
export const WeeklySlotSchema = z
  .object({
    day: z.enum(Weekdays),
    start: z.string().check(z.regex(TIME_OF_DAY, 'must be HH:MM')),
    end: z.string().check(z.regex(TIME_OF_DAY, 'must be HH:MM')),
  })
  .check(
    z.refine((slot) => minutesOf(slot.end) > minutesOf(slot.start), {
      message: 'must end after it starts, on the same day',
      path: ['end'],
    }),
  );
export type WeeklySlot = z.infer<typeof WeeklySlotSchema>;

export const WeeklyScheduleSchema = z.object({
  /** IANA time zone, e.g. `Europe/Paris`: slots follow its daylight-saving changes. */
  timeZone: z
    .string()
    .check(z.refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Paris or UTC')),
  slots: z.array(WeeklySlotSchema),
});
export type WeeklySchedule = z.infer<typeof WeeklyScheduleSchema>;

/**
 * The IANA time zones the runtime lists, and UTC, which the list leaves out. The settings are
 * checked at every cold start: reading the list costs about 2 ms, where building an
 * Intl.DateTimeFormat to try a zone loads ICU's formatting data first, about 20 ms. Only a
 * name the list lacks (it holds one name of a zone: `Asia/Calcutta` or `Asia/Kolkata`,
 * depending on the ICU version) is tried that way.
 */
let listedTimeZones: ReadonlySet<string> | undefined;

function isTimeZone(timeZone: string): boolean {
  listedTimeZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (listedTimeZones.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function minutesOf(timeOfDay: string): number {
  const [hours, minutes] = timeOfDay.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall-clock time at `instant`, written as if it were UTC (ms). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
}

/**
 * The instant at which the local clock shows `wall` (ms, as if UTC). In the hour skipped when
 * clocks go forward, the instant the clock would show had it not jumped; in the hour repeated
 * when they go back, one of its two occurrences.
 */
function instantOf(wall: number, timeZone: string): number {
  const firstGuess = wall - (wallClock(wall, timeZone) - wall);
  const offset = wallClock(firstGuess, timeZone) - firstGuess;
  return wall - offset;
}

/** Midnight (as if UTC) of the local day `instant` falls on. */
function localDayOf(instant: number, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

/** Monday is 0, as in `Weekdays`. */
function weekdayOf(localDay: number): Weekday {
  const sundayFirst = new Date(localDay).getUTCDay();
  return Weekdays[(sundayFirst + 6) % 7] as Weekday;
}

interface Span {
  start: number;
  end: number;
}

/** The schedule's slots as instants, joined where they touch, over the days around `within`. */
function slotSpans(schedule: WeeklySchedule, within: Span): Span[] {
  const { timeZone } = schedule;
  const spans: Span[] = [];
  const lastDay = localDayOf(within.end, timeZone) + DAY_MS;
  for (let day = localDayOf(within.start, timeZone) - DAY_MS; day <= lastDay; day += DAY_MS) {
    const weekday = weekdayOf(day);
    for (const slot of schedule.slots) {
      if (slot.day !== weekday) continue;
      spans.push({
        start: instantOf(day + minutesOf(slot.start) * MINUTE_MS, timeZone),
        end: instantOf(day + minutesOf(slot.end) * MINUTE_MS, timeZone),
      });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  const joined: Span[] = [];
  for (const span of spans) {
    const last = joined.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else joined.push({ ...span });
  }
  return joined;
}

function spanOf(interval: Interval): Span {
  return { start: Date.parse(interval.start), end: Date.parse(interval.end) };
}

/** The whole interval falls within the schedule's slots (joined slots count as one). */
export function withinSchedule(interval: Interval, schedule: WeeklySchedule): boolean {
  const span = spanOf(interval);
  return slotSpans(schedule, span).some((slot) => slot.start <= span.start && span.end <= slot.end);
}

/** Some of the interval falls within the schedule's slots. */
export function touchesSchedule(interval: Interval, schedule: WeeklySchedule): boolean {
  const span = spanOf(interval);
  return slotSpans(schedule, span).some((slot) => slot.start < span.end && span.start < slot.end);
}
