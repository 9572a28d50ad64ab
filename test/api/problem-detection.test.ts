import { beforeAll, describe, expect, it } from 'vitest';
import type { ProblemSnapshot } from '../../shared/events/problems';
import { api, eventually, tokenFor } from './support/client';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

let agent: string;
beforeAll(async () => {
  agent = await tokenFor('agent');
});

async function aCi(ciClass: string): Promise<string> {
  const response = await api<{ id: string }>('POST', '/cis', {
    token: agent,
    body: {
      ciClass,
      name: `${ciClass}-${crypto.randomUUID().slice(0, 8)}`,
      criticality: 2,
      environment: 'production',
      lifecycleState: 'operational',
    },
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

describe('problem detection through the bus (local runtime)', () => {
  it('three incidents on applications behind one database raise one problem linking all three', async () => {
    const database = await aCi('database');
    const applications = [
      await aCi('application'),
      await aCi('application'),
      await aCi('application'),
    ];
    for (const application of applications) {
      const related = await api('POST', `/cis/${application}/relationships`, {
        token: agent,
        body: { type: 'depends_on', target: database },
      });
      expect(related.status).toBe(201);
    }
    const incidentIds: string[] = [];
    for (const configurationItem of applications) {
      const created = await api<{ id: string }>('POST', '/incidents', {
        token: agent,
        body: { shortDescription: 'Orders time out', configurationItem },
      });
      expect(created.status).toBe(201);
      incidentIds.push(created.body.id);
    }

    const problems = await eventually(
      async () =>
        (
          await api<Page<ProblemSnapshot>>('GET', `/problems?configurationItem=${database}`, {
            token: agent,
          })
        ).body.items,
      (items) => items.length > 0 && items.every((problem) => problem.linkedIncidentCount === 3),
    );
    expect(problems).toHaveLength(1);
    const [problem] = problems;
    expect(problem).toMatchObject({ source: 'detected', state: 'New', linkedIncidentCount: 3 });

    const links = await api<Page<{ incidentId: string; state: string }>>(
      'GET',
      `/problems/${problem?.number}/incidents`,
      { token: agent },
    );
    expect(links.body.items.map((link) => link.incidentId).sort()).toEqual(incidentIds.sort());
    const byIncident = await api<Page<ProblemSnapshot>>(
      'GET',
      `/problems?incident=${incidentIds[0]}`,
      { token: agent },
    );
    expect(byIncident.body.items.map((found) => found.id)).toEqual([problem?.id]);
  });
});
