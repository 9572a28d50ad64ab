import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../functions/problem/domain';
import { PROBLEM_LISTING } from '../../../functions/problem/repository';
import {
  createProblem,
  linkIncidents,
  listProblems,
  transitionProblem,
  updateProblem,
} from '../../../functions/problem/use-cases';
import { chooseListIndex } from '../../../shared/db/listing';
import { ValidationError } from '../../../shared/errors';
import { aConfigurationItem, agent, anIncident, ctx, readingClient } from './support';

type ListQuery = Parameters<typeof listProblems>[0];

/**
 * Problems in a group of their own, created one millisecond apart (newest last) at a random
 * instant of the past, so that ranges over the shared created and updated indexes hold only
 * these problems.
 */
async function seed(count: number) {
  const group = `group-${crypto.randomUUID()}`;
  const assignee = `analyst-${crypto.randomUUID()}`;
  const ci = await aConfigurationItem();
  const start = Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 100_000_000_000);
  const created: Problem[] = [];
  for (let index = 0; index < count; index++) {
    const { problem } = await createProblem(
      {
        shortDescription: `Problem ${index}`,
        impact: (index % 3) + 1,
        urgency: 1,
        assignmentGroup: group,
        ...(index % 2 === 0 ? { assignee, configurationItem: ci } : {}),
      },
      ctx(agent, new Date(start + index).toISOString()),
    );
    created.push(problem);
  }
  return { group, assignee, ci, created, start };
}

async function allPages(query: Omit<ListQuery, 'cursor'>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listProblems({ ...query, cursor }, readingClient);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.cursor;
    pages++;
  } while (cursor && pages < 50);
  return { ids, pages };
}

const newestFirst = (problems: readonly Problem[]) => problems.map((item) => item.id).reverse();

describe('listing problems', () => {
  it('pages through a filter newest first without gaps or repeats', async () => {
    const { group, created } = await seed(7);
    const { ids, pages } = await allPages({ assignmentGroup: group, limit: 3 });
    expect(ids).toEqual(newestFirst(created));
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('serves each filter from its own index, the most selective one first', () => {
    const cases: Array<[Partial<ListQuery>, string]> = [
      [{ assignee: 'a', state: 'New' }, 'byAssignee'],
      [{ configurationItem: 'ci', assignmentGroup: 'g' }, 'byCi'],
      [{ assignmentGroup: 'g', priority: 1 }, 'byGroup'],
      [{ state: 'New', priority: 1 }, 'byState'],
      [{ priority: 1 }, 'byPriority'],
      [{ updatedFrom: '2026-01-01T00:00:00.000Z' }, 'byUpdated'],
      [
        { createdFrom: '2026-01-01T00:00:00.000Z', updatedTo: '2026-01-01T00:00:00.000Z' },
        'byCreated',
      ],
      [{}, 'byCreated'],
    ];
    for (const [filters, index] of cases) {
      expect(chooseListIndex(PROBLEM_LISTING, filters)).toBe(index);
    }
  });

  it('filters by assignee, configuration item, group, priority and state, alone and combined', async () => {
    const { group, assignee, ci, created } = await seed(6);
    const withAssignee = created.filter((_, index) => index % 2 === 0);
    expect((await allPages({ assignee, limit: 2 })).ids).toEqual(newestFirst(withAssignee));
    expect((await allPages({ configurationItem: ci, limit: 2 })).ids).toEqual(
      newestFirst(withAssignee),
    );
    const critical = created.filter((problem) => problem.priority === 1);
    expect(critical.length).toBeGreaterThan(0);
    expect((await allPages({ assignmentGroup: group, priority: 1, limit: 10 })).ids).toEqual(
      newestFirst(critical),
    );

    const [first, second] = created;
    if (!first || !second) throw new Error('seeded');
    await transitionProblem(first.id, { action: 'assess' }, ctx());
    await transitionProblem(second.id, { action: 'assess' }, ctx());
    expect((await allPages({ assignmentGroup: group, state: 'Assess', limit: 10 })).ids).toEqual([
      second.id,
      first.id,
    ]);
    expect((await allPages({ assignee, state: 'Assess', limit: 10 })).ids).toEqual([first.id]);
    expect((await allPages({ assignee, state: 'Closed', limit: 10 })).ids).toEqual([]);
  });

  it('filters by state and by priority on their own indexes, within a creation range', async () => {
    const { created } = await seed(5);
    const [first, second, , , last] = created;
    if (!first || !second || !last) throw new Error('seeded');
    await transitionProblem(second.id, { action: 'assess' }, ctx());
    const range = { createdFrom: first.createdAt, createdTo: last.createdAt };
    expect((await allPages({ state: 'Assess', ...range, limit: 10 })).ids).toEqual([second.id]);
    expect((await allPages({ state: 'New', ...range, limit: 2 })).ids).toEqual(
      newestFirst(created.filter((problem) => problem.id !== second.id)),
    );
    const low = created.filter((problem) => problem.priority === last.priority);
    expect((await allPages({ priority: last.priority, ...range, limit: 10 })).ids).toEqual(
      newestFirst(low),
    );
  });

  it('filters by creation range, inclusive at both ends, with and without other filters', async () => {
    const { group, created } = await seed(5);
    const [first, second, third] = created;
    if (!first || !second || !third) throw new Error('seeded');
    const range = { createdFrom: second.createdAt, createdTo: third.createdAt };
    expect((await allPages({ assignmentGroup: group, ...range, limit: 10 })).ids).toEqual([
      third.id,
      second.id,
    ]);
    expect((await allPages({ ...range, limit: 1 })).ids).toEqual([third.id, second.id]);
    expect(
      (await allPages({ createdFrom: first.createdAt, createdTo: first.createdAt, limit: 10 })).ids,
    ).toEqual([first.id]);
  });

  it('filters by update range, alone (its own index) and with a creation range', async () => {
    const { created, start } = await seed(4);
    const [first, second, third] = created;
    if (!first || !second || !third) throw new Error('seeded');
    // Updated later than any seeded creation, in the same unused stretch of the past.
    const updatedAt = (offset: number) => new Date(start + 1_000 + offset).toISOString();
    await updateProblem(third.id, { urgency: 2 }, ctx(agent, updatedAt(0)), () => {});
    await updateProblem(first.id, { urgency: 2 }, ctx(agent, updatedAt(5)), () => {});
    const updated = { updatedFrom: updatedAt(0), updatedTo: updatedAt(5) };
    expect((await allPages({ ...updated, limit: 1 })).ids).toEqual([first.id, third.id]);
    expect((await allPages({ ...updated, updatedTo: updatedAt(4), limit: 10 })).ids).toEqual([
      third.id,
    ]);
    expect(
      (
        await allPages({
          ...updated,
          createdFrom: second.createdAt,
          createdTo: third.createdAt,
          limit: 10,
        })
      ).ids,
    ).toEqual([third.id]);
  });

  it('lists the problems of an incident, and refuses to combine that with other filters', async () => {
    const incident = await anIncident();
    const { group, created } = await seed(2);
    const [first, second] = created;
    if (!first || !second) throw new Error('seeded');
    await linkIncidents(first.id, [incident.id], ctx());
    await linkIncidents(second.id, [incident.number], ctx());
    expect((await allPages({ incident: incident.number, limit: 10 })).ids).toEqual(
      newestFirst(created),
    );
    const combined = listProblems({ incident: incident.id, state: 'New', limit: 10 }, agent);
    await expect(combined).rejects.toBeInstanceOf(ValidationError);
    await expect(combined).rejects.toMatchObject({ issues: [{ field: 'query.incident' }] });
    expect((await allPages({ assignmentGroup: group, limit: 10 })).ids).toHaveLength(2);
  });
});
