import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('./environment'));

import type { Change } from '../../../functions/change/domain';
import type { ListChangesQuery } from '../../../functions/change/repository';
import { listChanges, transitionChange, updateChange } from '../../../functions/change/use-cases';
import { ForbiddenError } from '../../../shared/errors';
import {
  aChange,
  aCi,
  agent,
  aSaturdayNight,
  ctx,
  readingClient,
  requesterPrincipal,
  uniqueName,
  windowAt,
} from './support';

type Filters = Omit<ListChangesQuery, 'limit' | 'cursor'>;

const ids = (changes: readonly Change[]) => changes.map((change) => change.id);

/** Every change the filters list, page by page. */
async function listAll(filters: Filters, limit = 100): Promise<Change[]> {
  const found: Change[] = [];
  let cursor: string | null = null;
  do {
    const page = await listChanges({ ...filters, limit, cursor }, agent);
    found.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return found;
}

/** Three changes of one group, the newest last: normal, emergency (Authorize), normal. */
async function aGroupOfChanges() {
  const group = uniqueName('group');
  const assignee = uniqueName('person');
  const [shared, other] = [await aCi({ ownerGroup: 'dba' }), await aCi({ ownerGroup: 'dba' })];
  const night = aSaturdayNight();
  const at = (hours: number) => windowAt(night, hours, hours + 1);
  const first = await aChange([shared], {
    assignmentGroup: group,
    plannedStart: at(5).start,
    plannedEnd: at(5).end,
  });
  const created = new Date().toISOString();
  const emergency = await aChange([shared, other], {
    model: 'emergency',
    assignmentGroup: group,
    assignee,
    plannedStart: at(1).start,
    plannedEnd: at(1).end,
  });
  const submitted = await transitionChange(emergency.id, { action: 'requestAuthorization' }, ctx());
  const last = await aChange([other], {
    assignmentGroup: group,
    assignee,
    plannedStart: at(3).start,
    plannedEnd: at(3).end,
  });
  return { group, assignee, shared, other, night, created, first, emergency: submitted, last };
}

describe('listing changes', () => {
  it('lists by assignment group, newest first, combined with model, state, assignee or a creation range', async () => {
    const { group, assignee, created, first, emergency, last } = await aGroupOfChanges();
    expect(ids(await listAll({ assignmentGroup: group }))).toEqual([
      last.id,
      emergency.id,
      first.id,
    ]);
    expect(ids(await listAll({ assignmentGroup: group, model: 'emergency' }))).toEqual([
      emergency.id,
    ]);
    expect(ids(await listAll({ assignmentGroup: group, state: 'New' }))).toEqual([
      last.id,
      first.id,
    ]);
    expect(ids(await listAll({ assignee }))).toEqual([last.id, emergency.id]);
    expect(ids(await listAll({ assignmentGroup: group, createdFrom: created }))).toEqual([
      last.id,
      emergency.id,
    ]);
  });

  it('lists the changes affecting a CI, and forgets a CI a change no longer affects', async () => {
    const { shared, other, group, first, emergency, last } = await aGroupOfChanges();
    expect(ids(await listAll({ configurationItem: shared }))).toEqual([emergency.id, first.id]);
    expect(ids(await listAll({ configurationItem: other }))).toEqual([last.id, emergency.id]);
    expect(ids(await listAll({ configurationItem: other, state: 'Authorize' }))).toEqual([
      emergency.id,
    ]);
    await updateChange(last.id, { affectedCis: [shared] }, ctx(), () => {});
    expect(ids(await listAll({ configurationItem: other }))).toEqual([emergency.id]);
    expect(ids(await listAll({ configurationItem: shared, assignmentGroup: group }))).toEqual([
      last.id,
      emergency.id,
      first.id,
    ]);
  });

  it('lists a planned-start range in planned-start order', async () => {
    const { night, group, first, emergency, last } = await aGroupOfChanges();
    const range = windowAt(night, 0, 6);
    const planned = await listAll({ plannedFrom: range.start, plannedTo: range.end });
    expect(ids(planned.filter((change) => change.assignmentGroup === group))).toEqual([
      emergency.id,
      last.id,
      first.id,
    ]);
    const narrow = windowAt(night, 2, 4);
    expect(
      ids(
        await listAll({ plannedFrom: narrow.start, plannedTo: narrow.end, assignmentGroup: group }),
      ),
    ).toEqual([last.id]);
  });

  it('pages with a cursor', async () => {
    const { group, first, emergency, last } = await aGroupOfChanges();
    const firstPage = await listChanges({ assignmentGroup: group, limit: 2, cursor: null }, agent);
    expect(ids(firstPage.items)).toEqual([last.id, emergency.id]);
    expect(firstPage.cursor).not.toBeNull();
    const secondPage = await listChanges(
      { assignmentGroup: group, limit: 2, cursor: firstPage.cursor },
      agent,
    );
    expect(ids(secondPage.items)).toEqual([first.id]);
  });

  it('lists for readers and agents, not for requesters', async () => {
    const { group } = await aGroupOfChanges();
    expect(
      (await listChanges({ assignmentGroup: group, limit: 10 }, readingClient)).items,
    ).toHaveLength(3);
    await expect(
      listChanges({ assignmentGroup: group, limit: 10 }, requesterPrincipal()),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
