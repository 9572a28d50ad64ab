import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('./environment'));

import { createBlackoutWindow } from '../../../functions/change/catalog';
import type { Change, Interval } from '../../../functions/change/domain';
import {
  type CalendarEntry,
  calendar,
  conflictsOfChange,
  transitionChange,
} from '../../../functions/change/use-cases';
import { ValidationError } from '../../../shared/errors';
import {
  aChange,
  aCi,
  admin,
  aSaturdayNight,
  ctx,
  readingClient,
  relate,
  windowAt,
} from './support';

/** A change on `cis` in `window`, holding it (an emergency change under authorization). */
async function aBooking(cis: string[], window: Interval, assignee?: string): Promise<Change> {
  const change = await aChange(cis, {
    model: 'emergency',
    plannedStart: window.start,
    plannedEnd: window.end,
    ...(assignee ? { assignee } : {}),
  });
  return transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
}

/** Every entry of the calendar over `window`, page by page. */
async function wholeCalendar(window: Interval): Promise<CalendarEntry[]> {
  const range = { from: window.start, to: window.end };
  const entries: CalendarEntry[] = [];
  let cursor: string | null = null;
  do {
    const page = await calendar(range, { limit: 100, cursor }, readingClient);
    entries.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return entries;
}

/**
 * One Saturday night: the change under study (Sat 21:00 to Sun 01:00) on a CI and on a CI of
 * the team whose maintenance window is Sat 22:00 to Sun 06:00 (environment.ts), and around it
 * changes on the same CI, on a related one, by the same assignee, after it, and not booked.
 */
async function aBusySaturday() {
  const night = aSaturdayNight();
  const database = await aCi({ ownerGroup: 'dba' });
  const app = await aCi({ ownerGroup: 'dba' });
  await relate(app, 'depends_on', database);
  const maintained = await aCi({ ownerGroup: 'saturday-team' });
  const sameCi = await aBooking([database], windowAt(night, 0, 4), 'dba-lead');
  const relatedCi = await aBooking([app], windowAt(night, 2, 5));
  const after = await aBooking([database], windowAt(night, 3, 6));
  const draft = await aChange([database], {
    plannedStart: windowAt(night, 0, 2).start,
    plannedEnd: windowAt(night, 0, 2).end,
  });
  const window = windowAt(night, -1, 3);
  const studied = await aChange([database, maintained], {
    plannedStart: window.start,
    plannedEnd: window.end,
    assignee: 'dba-lead',
  });
  const { blackout } = await createBlackoutWindow(
    {
      name: 'Data centre move',
      ...windowAt(night, 2, 8),
      scope: { kind: 'cis', cis: [maintained] },
    },
    ctx(admin),
  );
  return { night, database, app, maintained, sameCi, relatedCi, after, draft, studied, blackout };
}

describe('conflicts of a change with the stored schedule', () => {
  it('flags each kind, in order, and says whether a blackout blocks the window', async () => {
    const busy = await aBusySaturday();
    const result = await conflictsOfChange(busy.studied.number, readingClient);
    expect(result.change).toEqual({
      id: busy.studied.id,
      number: busy.studied.number,
      state: 'New',
    });
    expect(result.window).toEqual({
      start: busy.studied.plannedStart,
      end: busy.studied.plannedEnd,
    });
    expect(
      result.conflicts.map((conflict) => [
        conflict.kind,
        conflict.cis,
        conflict.otherChange?.id ?? conflict.blackout?.id,
      ]),
    ).toEqual([
      ['blackout', [busy.maintained], busy.blackout.id],
      ['same-ci-overlap', [busy.database], busy.sameCi.id],
      ['related-ci-overlap', [busy.database], busy.relatedCi.id],
      ['assignee-booked', [], busy.sameCi.id],
      ['outside-maintenance-window', [busy.maintained], undefined],
    ]);
    expect(result.blocked).toBe(true);
    expect(result.reasons[0]).toMatch(/normal change cannot be scheduled in a blackout/);
  });

  it('has none for a change without a window', async () => {
    const change = await aChange([await aCi()], { plannedStart: undefined, plannedEnd: undefined });
    expect(await conflictsOfChange(change.id, readingClient)).toMatchObject({
      conflicts: [],
      blocked: false,
      reasons: [],
    });
  });
});

describe('the calendar', () => {
  it('lists the changes holding their window over the range, by planned start, with their conflicts', async () => {
    const busy = await aBusySaturday();
    const entries = await wholeCalendar(windowAt(busy.night, -24, 24));
    const ids = new Set([busy.sameCi.id, busy.relatedCi.id, busy.after.id, busy.studied.id]);
    const ours = entries.filter((entry) => ids.has(entry.change.id));
    expect(ours.map((entry) => entry.change.id)).toEqual([
      busy.sameCi.id,
      busy.relatedCi.id,
      busy.after.id,
    ]);
    const [sameCi] = ours;
    expect(sameCi?.conflicts.map((conflict) => [conflict.kind, conflict.otherChange?.id])).toEqual([
      ['same-ci-overlap', busy.after.id],
      ['related-ci-overlap', busy.relatedCi.id],
    ]);
  });

  it('leaves out what does not overlap the range (half-open)', async () => {
    const busy = await aBusySaturday();
    const entries = await wholeCalendar(windowAt(busy.night, 4, 5));
    const ids = entries.map((entry) => entry.change.id);
    expect(ids).toContain(busy.relatedCi.id);
    expect(ids).toContain(busy.after.id);
    expect(ids).not.toContain(busy.sameCi.id);
  });

  it('refuses an empty or too long range', async () => {
    const from = windowAt(aSaturdayNight(), 0, 1).start;
    const tooLong = new Date(Date.parse(from) + 93 * 24 * 60 * 60 * 1000).toISOString();
    for (const to of [from, tooLong]) {
      await expect(
        calendar({ from, to }, { limit: 10, cursor: null }, readingClient),
      ).rejects.toBeInstanceOf(ValidationError);
    }
  });
});
