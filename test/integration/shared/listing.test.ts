import { describe, expect, it } from 'vitest';
import { createIncident, listIncidents } from '../../../functions/incident/use-cases';
import { createProblem, listProblems } from '../../../functions/problem/use-cases';
import { agent, ctx } from '../incident/support';

/**
 * `byCreated` and `byUpdated` hold every entity in one partition; a list with an open-ended
 * time range must stay within its own entity's keys, or other entities' items fill its pages.
 */
describe('lists with one end of a time range', () => {
  it('fill their pages with their own entity, whatever else shares the index', async () => {
    const from = new Date(Date.now() + 60_000 * 60 * 24 * 365 * 50).toISOString();
    const later = (minutes: number) => new Date(Date.parse(from) + minutes * 60_000).toISOString();
    for (let index = 0; index < 3; index++) {
      await createIncident({ shortDescription: `Far future ${index}` }, ctx(agent, later(index)));
      await createProblem({ shortDescription: `Far future ${index}` }, ctx(agent, later(index)));
    }

    const incidents = await listIncidents({ createdFrom: from, limit: 2 }, agent);
    expect(incidents.items).toHaveLength(2);
    expect(incidents.items.every((incident) => incident.createdAt >= from)).toBe(true);
    const problems = await listProblems({ createdFrom: from, limit: 2 }, agent);
    expect(problems.items).toHaveLength(2);

    const before = await listIncidents({ createdTo: later(1), updatedFrom: from, limit: 2 }, agent);
    expect(before.items.map((incident) => incident.createdAt)).toEqual([later(1), later(0)]);
  });
});
