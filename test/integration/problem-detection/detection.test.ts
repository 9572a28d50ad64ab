import { describe, expect, it } from 'vitest';
import { addRelationship, createCi } from '../../../functions/cmdb/use-cases';
import { createIncident, transitionIncident } from '../../../functions/incident/use-cases';
import { detectForIncident } from '../../../functions/problem/detection-use-cases';
import type { ObservedIncident } from '../../../functions/problem/domain';
import { allLinks, getProblem, problemsOnCi } from '../../../functions/problem/repository';
import type { IncidentSnapshot } from '../../../shared/events/incidents';
import { ctx, outboxEventsOf } from '../incident/support';

const HOUR = 3_600_000;

async function aCi(ciClass: string): Promise<string> {
  const { ci } = await createCi(
    {
      ciClass,
      name: `${ciClass}-${crypto.randomUUID().slice(0, 8)}`,
      criticality: 2,
      environment: 'production',
      lifecycleState: 'operational',
    } as Parameters<typeof createCi>[0],
    ctx(),
  );
  return ci.id;
}

/** A database and `count` applications that depend on it. */
async function databaseWithApplications(count: number) {
  const database = await aCi('database');
  const applications: string[] = [];
  for (let index = 0; index < count; index++) {
    const application = await aCi('application');
    await addRelationship(application, { type: 'depends_on', target: database }, ctx());
    applications.push(application);
  }
  return { database, applications };
}

async function anIncidentOn(configurationItem: string, at: Date): Promise<IncidentSnapshot> {
  const { incident } = await createIncident(
    { shortDescription: 'Checkout fails', caller: 'caller-1', configurationItem },
    ctx(undefined, at.toISOString()),
  );
  return incident;
}

const observed = (incident: IncidentSnapshot): ObservedIncident => ({
  id: incident.id,
  state: incident.state,
  createdAt: incident.createdAt,
  version: incident.version,
  ...(incident.configurationItem ? { configurationItem: incident.configurationItem } : {}),
});

const detect = (incident: IncidentSnapshot) =>
  detectForIncident(observed(incident), new Date().toISOString());

describe('problem detection against DynamoDB Local', () => {
  it('three incidents on applications behind one database make exactly one problem with three links, whatever the delivery', async () => {
    const { database, applications } = await databaseWithApplications(3);
    const start = Date.now() - 10 * HOUR;
    const incidents = await Promise.all(
      applications.map((application, index) =>
        anIncidentOn(application, new Date(start + index * HOUR)),
      ),
    );
    const [first, second, third] = incidents as [
      IncidentSnapshot,
      IncidentSnapshot,
      IncidentSnapshot,
    ];

    // Out of order, the last one twice; the first two alone are below the threshold.
    expect((await detect(third)).kind).toBe('none');
    expect((await detect(third)).kind).toBe('none');
    // Two deliveries of the burst's completing event race each other.
    const results = await Promise.all([detect(first), detect(first), detect(second)]);
    expect(results.some((result) => result.kind === 'create')).toBe(true);
    // Every redelivery afterwards finds nothing left to do.
    for (const incident of [second, third, first, third]) {
      const replay = await detect(incident);
      expect(replay).toMatchObject({ kind: 'none', reason: 'already-linked' });
    }

    const problems = await problemsOnCi(database, ['New']);
    expect(problems).toHaveLength(1);
    const [problem] = problems;
    const links = await allLinks(problem?.id ?? '');
    expect(links.map((link) => link.incidentId).sort()).toEqual(
      incidents.map((incident) => incident.id).sort(),
    );
    const stored = await getProblem(problem?.id ?? '');
    expect(stored).toMatchObject({ source: 'detected', state: 'New', linkedIncidentCount: 3 });
    const events = await outboxEventsOf(problem?.id ?? '');
    expect(events.map((event) => event.detailType)).toEqual([
      'ProblemCreated',
      'ProblemIncidentsLinked',
    ]);
  });

  it('links a fourth incident to the open problem and ignores incidents outside the window', async () => {
    const { database, applications } = await databaseWithApplications(5);
    const start = Date.now() - 100 * HOUR;
    const [a, b, c, d, e] = applications as [string, string, string, string, string];
    const early = await anIncidentOn(a, new Date(start)); // 30 h before the burst
    const burst = await Promise.all(
      [b, c, d].map((ci, index) => anIncidentOn(ci, new Date(start + (30 + index) * 3_600_000))),
    );
    for (const incident of [early, ...burst]) await detect(incident);
    const [problem] = await problemsOnCi(database, ['New']);
    expect((await allLinks(problem?.id ?? '')).map((link) => link.incidentId).sort()).toEqual(
      burst.map((incident) => incident.id).sort(),
    );

    const late = await anIncidentOn(e, new Date(start + 40 * HOUR));
    expect(await detect(late)).toMatchObject({ kind: 'link', problemId: problem?.id });
    expect(await getProblem(problem?.id ?? '')).toMatchObject({ linkedIncidentCount: 4 });
  });

  it('a canceled incident stops counting: its newer version wins over a late older event', async () => {
    const { database, applications } = await databaseWithApplications(3);
    const start = Date.now() - 5 * HOUR;
    const [a, b, c] = applications as [string, string, string];
    const one = await anIncidentOn(a, new Date(start));
    const two = await anIncidentOn(b, new Date(start + HOUR));
    const canceled = await transitionIncident(one.id, { action: 'cancel' }, ctx());
    await detect(two);
    await detect(canceled as IncidentSnapshot);
    await detect(one); // the older version arrives late: nothing changes
    const three = await anIncidentOn(c, new Date(start + 2 * HOUR));
    expect((await detect(three)).kind).toBe('none');
    expect(await problemsOnCi(database, ['New'])).toHaveLength(0);
  });
});
