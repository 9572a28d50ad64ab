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

describe('problems and incidents through the bus (local runtime)', () => {
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

  it('a problem fixed resolves the incidents waiting for it, and its workaround reaches the open ones', async () => {
    const ci = await aCi('application');
    const incidents: Array<{ id: string }> = [];
    for (let index = 0; index < 2; index++) {
      const created = await api<{ id: string }>('POST', '/incidents', {
        token: agent,
        body: {
          shortDescription: 'Exports fail',
          configurationItem: ci,
          assignmentGroup: 'service-desk',
          assignee: 'agent-2',
        },
      });
      expect(created.status).toBe(201);
      incidents.push(created.body);
    }
    const [waiting, open] = incidents as [{ id: string }, { id: string }];
    for (const [action, body] of [
      ['start', {}],
      ['hold', { holdReason: 'Awaiting Problem' }],
    ] as const) {
      const moved = await api('POST', `/incidents/${waiting.id}/transitions`, {
        token: agent,
        body: { action, ...body },
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    }

    const created = await api<ProblemSnapshot>('POST', '/problems', {
      token: agent,
      body: {
        shortDescription: 'Export job leaks file handles',
        configurationItem: ci,
        assignmentGroup: 'platform',
        assignee: 'agent-9',
      },
    });
    expect(created.status).toBe(201);
    const problem = created.body;
    const linked = await api('POST', `/problems/${problem.id}/incidents`, {
      token: agent,
      body: { incidentIds: [waiting.id, open.id] },
    });
    expect(linked.status).toBe(200);
    for (const body of [
      { action: 'assess' },
      { action: 'analyse' },
      { action: 'fix', rootCause: 'File handles are never closed' },
    ]) {
      const moved = await api('POST', `/problems/${problem.id}/transitions`, {
        token: agent,
        body,
      });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    }
    const current = await api<ProblemSnapshot>('GET', `/problems/${problem.id}`, { token: agent });
    const documented = await api('PATCH', `/problems/${problem.id}`, {
      token: agent,
      headers: { 'if-match': current.headers.etag ?? '' },
      body: { knownError: true, workaround: 'Restart the export worker nightly' },
    });
    expect(documented.status).toBe(200);
    const communicated = await api<{ notified: number }>(
      'POST',
      `/problems/${problem.id}/workaround-communications`,
      { token: agent },
    );
    expect(communicated.body.notified).toBe(2);

    const notesOf = async (incidentId: string) =>
      (
        await api<Page<{ body: string; visibility: string }>>(
          'GET',
          `/incidents/${incidentId}/comments`,
          { token: agent },
        )
      ).body.items.filter((comment) => comment.visibility === 'internal');
    const workaroundNotes = await eventually(
      () => notesOf(open.id),
      (notes) => notes.some((note) => note.body.includes('Restart the export worker')),
    );
    expect(workaroundNotes.map((note) => note.body)).toEqual([
      `Workaround from ${problem.number}: Restart the export worker nightly`,
    ]);

    const resolved = await api('POST', `/problems/${problem.id}/transitions`, {
      token: agent,
      body: { action: 'resolve', resolutionCode: 'Fix Applied', resolutionNotes: 'Handles closed' },
    });
    expect(resolved.status).toBe(200);
    const waitingIncident = await eventually(
      async () =>
        (
          await api<{ state: string; resolutionCode?: string; resolutionNotes?: string }>(
            'GET',
            `/incidents/${waiting.id}`,
            { token: agent },
          )
        ).body,
      (incident) => incident.state === 'Resolved',
    );
    expect(waitingIncident).toMatchObject({
      state: 'Resolved',
      resolutionCode: 'Resolved by Problem',
      resolutionNotes: `Fixed by ${problem.number}: Handles closed`,
    });
    const followUp = await eventually(
      () => notesOf(open.id),
      (notes) => notes.length === 2,
    );
    expect(followUp.map((note) => note.body)).toContain(
      `${problem.number} was resolved with a fix applied: Handles closed. Check whether it solves this incident too.`,
    );
    const stillOpen = await api<{ state: string }>('GET', `/incidents/${open.id}`, {
      token: agent,
    });
    expect(stillOpen.body.state).toBe('New');
  });
});
