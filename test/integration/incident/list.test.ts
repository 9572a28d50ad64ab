import { describe, expect, it } from 'vitest';
import {
  INCIDENT_LISTING,
  type ListIncidentsQuery,
  listIncidents as queryIndex,
} from '../../../functions/incident/repository';
import {
  createIncident,
  listIncidents,
  transitionIncident,
} from '../../../functions/incident/use-cases';
import { chooseListIndex } from '../../../shared/db/listing';
import { aConfigurationItem, agent, ctx, requesterPrincipal } from './support';

/** Incidents in a group of their own, created one millisecond apart, newest last. */
async function seed(count: number) {
  const group = `group-${crypto.randomUUID()}`;
  const assignee = `agent-${crypto.randomUUID()}`;
  const ci = await aConfigurationItem();
  const start = Date.now() - 60_000;
  const created = [];
  for (let index = 0; index < count; index++) {
    const now = new Date(start + index).toISOString();
    const { incident } = await createIncident(
      {
        shortDescription: `Incident ${index}`,
        impact: (index % 3) + 1,
        urgency: 1,
        assignmentGroup: group,
        ...(index % 2 === 0 ? { assignee, configurationItem: ci } : {}),
      },
      ctx(agent, now),
    );
    created.push(incident);
  }
  return { group, assignee, ci, created };
}

async function allPages(query: Omit<ListIncidentsQuery, 'cursor'>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listIncidents({ ...query, cursor }, agent);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.cursor;
    pages++;
  } while (cursor && pages < 50);
  return { ids, pages };
}

describe('listing incidents', () => {
  it('pages through a filter newest first without gaps or repeats', async () => {
    const { group, created } = await seed(7);
    const { ids, pages } = await allPages({ assignmentGroup: group, limit: 3 });
    expect(ids).toEqual(created.map((incident) => incident.id).reverse());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('serves each filter from its own index', () => {
    const cases: Array<[Partial<ListIncidentsQuery>, string]> = [
      [{ assignee: 'a', state: 'New' }, 'byAssignee'],
      [{ caller: 'c', assignmentGroup: 'g' }, 'byCaller'],
      [{ configurationItem: 'ci' }, 'byCi'],
      [{ parentId: 'p' }, 'byParent'],
      [{ assignmentGroup: 'g', priority: 1 }, 'byGroup'],
      [{ state: 'New', priority: 1 }, 'byState'],
      [{ priority: 1 }, 'byPriority'],
      [{ updatedFrom: '2026-01-01T00:00:00.000Z' }, 'byUpdated'],
      [
        { createdFrom: '2026-01-01T00:00:00.000Z', updatedFrom: '2026-01-01T00:00:00.000Z' },
        'byCreated',
      ],
      [{}, 'byCreated'],
    ];
    for (const [filters, index] of cases)
      expect(chooseListIndex(INCIDENT_LISTING, { limit: 10, ...filters })).toBe(index);
  });

  it('combines filters, narrowing the indexed one', async () => {
    const { group, assignee, ci, created } = await seed(6);
    const withAssignee = created
      .filter((_, index) => index % 2 === 0)
      .map((incident) => incident.id)
      .reverse();
    expect((await allPages({ assignee, limit: 10 })).ids).toEqual(withAssignee);
    expect((await allPages({ configurationItem: ci, limit: 10 })).ids).toEqual(withAssignee);
    const critical = created
      .filter((incident) => incident.priority === 1)
      .map((incident) => incident.id)
      .reverse();
    expect((await allPages({ assignmentGroup: group, priority: 1, limit: 10 })).ids).toEqual(
      critical,
    );
    await transitionIncident(created[1]?.id ?? '', { action: 'start' }, ctx());
    expect(
      (await allPages({ assignmentGroup: group, state: 'In Progress', limit: 10 })).ids,
    ).toEqual([created[1]?.id]);
  });

  it('reads at most `limit` items per page, so a selective combination pages instead of scanning', async () => {
    const { group, created } = await seed(6);
    const newest = created.at(-1);
    if (!newest) throw new Error('seeded');
    const page = await queryIndex({
      assignmentGroup: group,
      caller: 'nobody-has-this-caller',
      limit: 2,
    });
    expect(page.index).toBe('byCaller');
    expect(page.items).toEqual([]);
    const groupPage = await queryIndex({ assignmentGroup: group, priority: 1, limit: 2 });
    expect(groupPage.items.length).toBeLessThanOrEqual(2);
    expect(groupPage.cursor).not.toBeNull();
  });

  it('filters by creation range, inclusive at both ends', async () => {
    const { group, created } = await seed(5);
    const [first, second, third] = created;
    if (!first || !second || !third) throw new Error('seeded');
    const { ids } = await allPages({
      assignmentGroup: group,
      createdFrom: second.createdAt,
      createdTo: third.createdAt,
      limit: 10,
    });
    expect(ids).toEqual([third.id, second.id]);
  });

  it('shows requesters only the incidents they reported', async () => {
    const caller = requesterPrincipal();
    const { incident } = await createIncident({ shortDescription: 'My laptop' }, ctx(caller));
    await createIncident({ shortDescription: 'Someone else', caller: 'another-user' }, ctx());
    const page = await listIncidents({ limit: 10 }, caller);
    expect(page.items.map((item) => item.id)).toEqual([incident.id]);
    await expect(listIncidents({ limit: 10, caller: 'another-user' }, caller)).rejects.toThrow(
      /only the incidents/,
    );
  });
});
