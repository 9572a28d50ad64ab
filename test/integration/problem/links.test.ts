import { describe, expect, it } from 'vitest';
import { transitionIncident } from '../../../functions/incident/use-cases';
import { getLinks } from '../../../functions/problem/repository';
import {
  communicateWorkaround,
  getProblemForPrincipal,
  linkIncidents,
  listLinkedIncidents,
  listProblemHistory,
  listProblems,
  transitionProblem,
  unlinkIncident,
  updateProblem,
} from '../../../functions/problem/use-cases';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../../shared/errors';
import {
  ProblemIncidentsLinked,
  ProblemIncidentsUnlinked,
  ProblemStateChanged,
  ProblemWorkaroundCommunicated,
} from '../../../shared/events/problems';
import {
  agent,
  anIncident,
  aProblem,
  ctx,
  dataOf,
  detailTypes,
  problemEvents,
  readingClient,
  requesterPrincipal,
} from './support';

const firstPage = { limit: 100, cursor: null };

async function linkedIds(problemId: string): Promise<string[]> {
  const { items } = await listLinkedIncidents(problemId, firstPage, agent);
  return items.map((item) => item.incidentId).sort();
}

const sorted = (ids: readonly string[]) => [...ids].sort();

describe('linking incidents', () => {
  it('links by id and by number, counting the links in a new version of the problem', async () => {
    const problem = await aProblem('Assess');
    const [first, second] = await Promise.all([anIncident(), anIncident('In Progress')]);
    const { problem: linked, linked: links } = await linkIncidents(
      problem.number,
      [first.id, second.number],
      ctx(),
    );
    expect(linked).toMatchObject({ linkedIncidentCount: 2, version: problem.version + 1 });
    expect(sorted(links.map((link) => link.incidentId))).toEqual(sorted([first.id, second.id]));
    expect(await getProblemForPrincipal(problem.id, agent)).toEqual(linked);

    const listed = await listLinkedIncidents(problem.id, firstPage, readingClient);
    expect(listed.items).toHaveLength(2);
    expect(listed.items.find((item) => item.incidentId === second.id)).toMatchObject({
      number: second.number,
      shortDescription: second.shortDescription,
      state: 'In Progress',
      linkedBy: agent.id,
    });

    const history = (await listProblemHistory(problem.id, firstPage, agent)).items;
    expect(history.at(-1)).toMatchObject({
      action: 'link-incidents',
      changes: [{ field: 'linkedIncidentCount', old: 0, new: 2 }],
    });
    const events = await problemEvents(problem.id);
    expect(detailTypes(events).at(-1)).toBe('ProblemIncidentsLinked');
    const [published] = dataOf(events, ProblemIncidentsLinked);
    expect(published?.problem).toEqual(linked);
    expect(sorted(published?.links.map((link) => link.incidentId) ?? [])).toEqual(
      sorted([first.id, second.id]),
    );
  });

  it('skips incidents already linked, so a retry links nothing twice', async () => {
    const problem = await aProblem('Assess');
    const [first, second] = await Promise.all([anIncident(), anIncident()]);
    const once = await linkIncidents(problem.id, [first.id], ctx());
    const again = await linkIncidents(problem.id, [first.number, first.id], ctx());
    expect(again).toEqual({ problem: once.problem, linked: [] });
    const more = await linkIncidents(problem.id, [first.id, second.id], ctx());
    expect(more.linked.map((link) => link.incidentId)).toEqual([second.id]);
    expect(more.problem).toMatchObject({
      linkedIncidentCount: 2,
      version: once.problem.version + 1,
    });
    expect(dataOf(await problemEvents(problem.id), ProblemIncidentsLinked)).toHaveLength(2);
  });

  it('refuses unknown incidents, naming each, and canceled ones, linking none of the request', async () => {
    const problem = await aProblem('Assess');
    const [known, canceled] = await Promise.all([anIncident(), anIncident('Canceled')]);
    const missingId = crypto.randomUUID();
    const unknown = linkIncidents(problem.id, [known.id, 'INC9999999', missingId], ctx());
    await expect(unknown).rejects.toBeInstanceOf(ValidationError);
    await expect(unknown).rejects.toMatchObject({
      issues: [
        { field: 'incidentIds', message: expect.stringContaining('INC9999999') },
        { field: 'incidentIds', message: expect.stringContaining(missingId) },
      ],
    });
    const withCanceled = linkIncidents(problem.id, [known.id, canceled.number], ctx());
    await expect(withCanceled).rejects.toBeInstanceOf(ValidationError);
    await expect(withCanceled).rejects.toThrow(canceled.id);
    expect(await linkedIds(problem.id)).toEqual([]);
    expect((await getProblemForPrincipal(problem.id, agent)).version).toBe(problem.version);
  });

  it('links resolved incidents to show the reach, but never to a problem no longer worked on', async () => {
    const active = await aProblem('Fix in Progress');
    const resolvedIncident = await anIncident('Resolved');
    expect((await linkIncidents(active.id, [resolvedIncident.id], ctx())).linked).toHaveLength(1);
    const resolved = await aProblem('Resolved');
    await expect(linkIncidents(resolved.id, [resolvedIncident.id], ctx())).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('lists the problems an incident is linked to, by its id or number', async () => {
    const incident = await anIncident();
    const [older, newer, unrelated] = await Promise.all([aProblem(), aProblem(), aProblem()]);
    await linkIncidents(newer.id, [incident.id], ctx());
    await linkIncidents(older.id, [incident.id], ctx());
    for (const key of [incident.id, incident.number]) {
      const { items, cursor } = await listProblems({ incident: key, limit: 25 }, agent);
      const ids = items.map((item) => item.id);
      expect(sorted(ids)).toEqual(sorted([older.id, newer.id]));
      expect(ids).not.toContain(unrelated.id);
      expect(cursor).toBeNull();
    }
    expect((await listProblems({ incident: 'INC9999999', limit: 25 }, agent)).items).toEqual([]);
  });

  it('is for writers only; requesters do not find the problem', async () => {
    const problem = await aProblem();
    const incident = await anIncident();
    await expect(
      linkIncidents(problem.id, [incident.id], ctx(readingClient)),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      linkIncidents(problem.id, [incident.id], ctx(requesterPrincipal())),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      listLinkedIncidents(problem.id, firstPage, requesterPrincipal()),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await linkedIds(problem.id)).toEqual([]);
  });
});

describe('unlinking incidents', () => {
  it('removes one link, lowering the count in a new version, and ignores one not linked', async () => {
    const problem = await aProblem('Assess');
    const [first, second] = await Promise.all([anIncident(), anIncident()]);
    const { problem: linked } = await linkIncidents(problem.id, [first.id, second.id], ctx());
    const unlinked = await unlinkIncident(problem.number, first.id, ctx());
    expect(unlinked).toMatchObject({ linkedIncidentCount: 1, version: linked.version + 1 });
    expect(await linkedIds(problem.id)).toEqual([second.id]);
    expect((await listProblems({ incident: first.id, limit: 25 }, agent)).items).toEqual([]);

    const again = await unlinkIncident(problem.id, first.id, ctx());
    expect(again).toEqual(unlinked);
    const events = await problemEvents(problem.id);
    expect(detailTypes(events).slice(-2)).toEqual([
      'ProblemIncidentsLinked',
      'ProblemIncidentsUnlinked',
    ]);
    expect(dataOf(events, ProblemIncidentsUnlinked)).toEqual([
      { problem: unlinked, incidentIds: [first.id] },
    ]);
    const history = (await listProblemHistory(problem.id, firstPage, agent)).items;
    expect(history.at(-1)).toMatchObject({
      action: 'unlink-incidents',
      changes: [{ field: 'linkedIncidentCount', old: 2, new: 1 }],
    });
  });

  it('is refused by a read-only problem and by reading clients', async () => {
    const problem = await aProblem('Assess');
    const incident = await anIncident();
    await linkIncidents(problem.id, [incident.id], ctx());
    await expect(
      unlinkIncident(problem.id, incident.id, ctx(readingClient)),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await transitionProblem(problem.id, { action: 'cancel' }, ctx());
    await expect(unlinkIncident(problem.id, incident.id, ctx())).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await linkedIds(problem.id)).toEqual([incident.id]);
  });
});

describe('marking a problem duplicate', () => {
  it('moves its links to the kept problem, once per incident, with events on both', async () => {
    const [duplicate, kept] = await Promise.all([
      aProblem('Assess'),
      aProblem('Root Cause Analysis'),
    ]);
    const [onlyDuplicate, both, onlyKept] = await Promise.all([
      anIncident(),
      anIncident('Awaiting Problem'),
      anIncident(),
    ]);
    await linkIncidents(duplicate.id, [onlyDuplicate.id, both.id], ctx());
    const { problem: keptBefore } = await linkIncidents(kept.id, [both.id, onlyKept.id], ctx());
    const [bothKeptLink] = await getLinks(kept.id, [both.id]);

    const marked = await transitionProblem(
      duplicate.id,
      { action: 'markDuplicate', duplicateOf: kept.number, comment: 'Same relay' },
      ctx(),
    );
    expect(marked).toMatchObject({
      state: 'Duplicate',
      duplicateOf: kept.id,
      linkedIncidentCount: 0,
    });
    const keptAfter = await getProblemForPrincipal(kept.id, agent);
    expect(keptAfter).toMatchObject({ linkedIncidentCount: 3, version: keptBefore.version + 1 });
    expect(await linkedIds(duplicate.id)).toEqual([]);
    expect(await linkedIds(kept.id)).toEqual(sorted([onlyDuplicate.id, both.id, onlyKept.id]));
    // The incident linked to both keeps its original link to the kept problem.
    expect(await getLinks(kept.id, [both.id])).toEqual([bothKeptLink]);
    expect(
      (await listProblems({ incident: both.id, limit: 25 }, agent)).items.map((item) => item.id),
    ).toEqual([kept.id]);

    const duplicateEvents = await problemEvents(duplicate.id);
    expect(detailTypes(duplicateEvents).slice(-2)).toEqual([
      'ProblemStateChanged',
      'ProblemIncidentsUnlinked',
    ]);
    expect(dataOf(duplicateEvents, ProblemStateChanged).at(-1)).toMatchObject({
      action: 'markDuplicate',
      from: 'Assess',
      to: 'Duplicate',
    });
    expect(sorted(dataOf(duplicateEvents, ProblemIncidentsUnlinked)[0]?.incidentIds ?? [])).toEqual(
      sorted([onlyDuplicate.id, both.id]),
    );

    const keptEvents = await problemEvents(kept.id);
    const moved = dataOf(keptEvents, ProblemIncidentsLinked).at(-1);
    expect(moved?.links.map((link) => link.incidentId)).toEqual([onlyDuplicate.id]);
    expect(moved?.problem).toEqual(keptAfter);
    const keptHistory = (await listProblemHistory(kept.id, firstPage, agent)).items;
    expect(keptHistory.at(-1)).toMatchObject({
      action: `merge-duplicate ${duplicate.number}`,
      changes: [{ field: 'linkedIncidentCount', old: 2, new: 3 }],
    });
  });

  it('keeps only another problem still worked on, and only from Assess', async () => {
    const [duplicate, resolved, fresh] = await Promise.all([
      aProblem('Assess'),
      aProblem('Resolved'),
      aProblem(),
    ]);
    const refusal = async (duplicateOf: string) => {
      const error = await transitionProblem(
        duplicate.id,
        { action: 'markDuplicate', duplicateOf },
        ctx(),
      ).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).issues;
    };
    expect(await refusal(resolved.number)).toEqual([
      { field: 'duplicateOf', message: expect.stringContaining('Resolved') },
    ]);
    expect(await refusal('PRB9999999')).toEqual([
      { field: 'duplicateOf', message: expect.stringContaining('does not exist') },
    ]);
    expect(await refusal(duplicate.number)).toEqual([
      { field: 'duplicateOf', message: expect.stringContaining('itself') },
    ]);
    await expect(
      transitionProblem(fresh.id, { action: 'markDuplicate', duplicateOf: duplicate.id }, ctx()),
    ).rejects.toThrow(/not allowed in state 'New'/);
    expect((await getProblemForPrincipal(duplicate.id, agent)).state).toBe('Assess');
  });
});

describe('communicating the workaround', () => {
  it('notes every open linked incident, none of those resolved, closed or canceled', async () => {
    const problem = await aProblem('Root Cause Analysis');
    const incidents = await Promise.all([
      anIncident('New'),
      anIncident('In Progress'),
      anIncident('Awaiting Problem'),
      anIncident('Resolved'),
      anIncident('Closed'),
      anIncident('New'),
    ]);
    const [fresh, working, waiting, , , laterCanceled] = incidents;
    if (!fresh || !working || !waiting || !laterCanceled) throw new Error('seeded');
    await linkIncidents(
      problem.id,
      incidents.map((incident) => incident.id),
      ctx(),
    );
    await transitionIncident(laterCanceled.id, { action: 'cancel' }, ctx());

    const refused = communicateWorkaround(problem.id, ctx());
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ issues: [{ field: 'workaround' }] });

    const documented = await updateProblem(
      problem.id,
      { workaround: 'Restart the relay' },
      ctx(),
      () => {},
    );
    const { problem: communicated, notified } = await communicateWorkaround(problem.number, ctx());
    expect(notified).toBe(3);
    expect(communicated.version).toBe(documented.version + 1);

    const events = await problemEvents(problem.id);
    expect(detailTypes(events).at(-1)).toBe('ProblemWorkaroundCommunicated');
    const [published] = dataOf(events, ProblemWorkaroundCommunicated);
    expect(published?.problem).toEqual(communicated);
    expect(sorted(published?.notes.map((note) => note.incidentId) ?? [])).toEqual(
      sorted([fresh.id, working.id, waiting.id]),
    );
    for (const note of published?.notes ?? []) {
      expect(note.body).toBe(`Workaround from ${problem.number}: Restart the relay`);
    }
    const history = (await listProblemHistory(problem.id, firstPage, agent)).items;
    expect(history.at(-1)).toMatchObject({ action: 'communicate-workaround', changes: [] });

    // The same workaround again: the same note ids, which the incidents take once.
    await communicateWorkaround(problem.id, ctx());
    const [, repeated] = dataOf(await problemEvents(problem.id), ProblemWorkaroundCommunicated);
    expect(sorted(repeated?.notes.map((note) => note.commentId) ?? [])).toEqual(
      sorted(published?.notes.map((note) => note.commentId) ?? []),
    );
  });

  it('batches the notes a hundred per event and within the event size limit, and caps the links one duplicate merge moves', async () => {
    const problem = await aProblem('Assess', { workaround: 'Use the webmail' });
    const incidents = [];
    for (let batch = 0; batch < 11; batch++) {
      incidents.push(...(await Promise.all(Array.from({ length: 10 }, () => anIncident()))));
    }
    const ids = incidents.map((incident) => incident.id);
    for (let start = 0; start < ids.length; start += 50) {
      await linkIncidents(problem.id, ids.slice(start, start + 50), ctx());
    }
    const { notified } = await communicateWorkaround(problem.id, ctx());
    expect(notified).toBe(110);
    const batches = dataOf(await problemEvents(problem.id), ProblemWorkaroundCommunicated);
    expect(batches.map((batch) => batch.notes.length)).toEqual([100, 10]);
    expect(sorted(batches.flatMap((batch) => batch.notes.map((note) => note.incidentId)))).toEqual(
      sorted(ids),
    );

    // A long workaround makes large notes: each event still fits EventBridge's 256 KB.
    const longWorkaround = 'Send mail through the webmail until the relay is replaced. '.repeat(67);
    await updateProblem(problem.id, { workaround: longWorkaround.trim() }, ctx(), () => {});
    await communicateWorkaround(problem.id, ctx());
    const events = await problemEvents(problem.id);
    const large = events
      .filter((event) => event.detailType === 'ProblemWorkaroundCommunicated')
      .slice(batches.length);
    expect(large.length).toBeGreaterThan(1);
    for (const event of large) {
      expect(Buffer.byteLength(JSON.stringify(event.detail))).toBeLessThan(256 * 1024);
    }
    const largeNotes = dataOf(large, ProblemWorkaroundCommunicated).flatMap((batch) => batch.notes);
    expect(sorted(largeNotes.map((note) => note.incidentId))).toEqual(sorted(ids));

    // 110 links deleted and 110 written would exceed one transaction: refused, nothing moves.
    const kept = await aProblem('Assess');
    await expect(
      transitionProblem(problem.id, { action: 'markDuplicate', duplicateOf: kept.id }, ctx()),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await getProblemForPrincipal(problem.id, agent)).toMatchObject({
      state: 'Assess',
      linkedIncidentCount: 110,
    });
    expect(await linkedIds(kept.id)).toEqual([]);
  });

  it('is refused by a read-only problem', async () => {
    const problem = await aProblem('Assess', { workaround: 'Use the webmail' });
    await transitionProblem(problem.id, { action: 'cancel' }, ctx());
    await expect(communicateWorkaround(problem.id, ctx())).rejects.toBeInstanceOf(ConflictError);
  });
});
