import { describe, expect, it } from 'vitest';
import {
  addComment,
  autoCloseResolved,
  createIncident,
  getIncidentForPrincipal,
  listIncidentHistory,
  transitionIncident,
  updateIncident,
} from '../../../functions/incident/use-cases';
import {
  IdempotencyKeyReusedError,
  PreconditionFailedError,
  ValidationError,
} from '../../../shared/errors';
import { aConfigurationItem, agent, ctx, outboxEventsOf, requesterPrincipal } from './support';

const newIncident = (overrides: Record<string, unknown> = {}) => ({
  shortDescription: 'Mail is down',
  impact: 2,
  urgency: 1,
  assignmentGroup: 'service-desk',
  ...overrides,
});

describe('creating incidents', () => {
  it('allocates distinct human numbers under concurrency', async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, () => createIncident(newIncident(), ctx())),
    );
    const numbers = created.map(({ incident }) => incident.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const number of numbers) expect(number).toMatch(/^INC\d{7}$/);
  });

  it('writes the incident, its history entry and its IncidentCreated event together', async () => {
    const { incident } = await createIncident(newIncident(), ctx());
    expect(incident).toMatchObject({ state: 'New', priority: 2, version: 1 });
    const events = await outboxEventsOf(incident.id);
    expect(events.map((event) => event.detailType)).toEqual(['IncidentCreated']);
    expect(events[0]?.detail.metadata).toMatchObject({
      sequence: 1,
      eventId: `incident/${incident.id}/1`,
    });
    const history = await listIncidentHistory(incident.id, { limit: 10, cursor: null }, agent);
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({
      version: 1,
      action: 'create',
      actor: { id: agent.id },
    });
  });

  it('creates one incident and one event for K parallel requests with one Idempotency-Key', async () => {
    const key = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        createIncident(newIncident({ shortDescription: 'VPN flaps' }), ctx(), key),
      ),
    );
    const ids = new Set(results.map((result) => result.incident.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    const [id] = [...ids];
    const events = await outboxEventsOf(id as string);
    expect(events.filter((event) => event.detailType === 'IncidentCreated')).toHaveLength(1);
  });

  it('refuses a reused Idempotency-Key with a different body', async () => {
    const key = crypto.randomUUID();
    await createIncident(newIncident(), ctx(), key);
    await expect(createIncident(newIncident({ urgency: 3 }), ctx(), key)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });
});

describe('updating incidents', () => {
  it('lets exactly one of K parallel updates on the same version win', async () => {
    const { incident } = await createIncident(newIncident(), ctx());
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) =>
        updateIncident(incident.id, { description: `writer ${index}` }, ctx(), (current) => {
          if (current.version !== incident.version) throw new PreconditionFailedError('stale');
        }),
      ),
    );
    const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected')
        expect(outcome.reason).toBeInstanceOf(PreconditionFailedError);
    }
    const stored = await getIncidentForPrincipal(incident.id, agent);
    expect(stored.version).toBe(2);
  });

  it('re-derives priority and records field changes in the history', async () => {
    const { incident } = await createIncident(newIncident(), ctx());
    const updated = await updateIncident(incident.id, { impact: 1 }, ctx(), () => {});
    expect(updated.priority).toBe(1);
    const history = await listIncidentHistory(incident.id, { limit: 10, cursor: null }, agent);
    expect(history.items.at(-1)?.changes).toEqual(
      expect.arrayContaining([
        { field: 'impact', old: 2, new: 1 },
        { field: 'priority', old: 2, new: 1 },
      ]),
    );
    const events = await outboxEventsOf(incident.id);
    expect(events.map((event) => event.detailType)).toEqual(['IncidentCreated', 'IncidentUpdated']);
  });
});

describe('state changes', () => {
  it('stores the awaiting-caller comment and resumes on the caller reply', async () => {
    const caller = requesterPrincipal();
    const { incident } = await createIncident({ shortDescription: 'Printer jammed' }, ctx(caller));
    await updateIncident(incident.id, { assignmentGroup: 'desk' }, ctx(), () => {});
    await transitionIncident(incident.id, { action: 'start' }, ctx());
    const held = await transitionIncident(
      incident.id,
      { action: 'hold', holdReason: 'Awaiting Caller', comment: 'Which printer?' },
      ctx(),
    );
    expect(held).toMatchObject({ state: 'On Hold', holdReason: 'Awaiting Caller' });
    await addComment(
      incident.id,
      { body: 'The one on floor 2', visibility: 'public' },
      ctx(caller),
    );
    const resumed = await getIncidentForPrincipal(incident.id, caller);
    expect(resumed.state).toBe('In Progress');
    expect(resumed.holdReason).toBeUndefined();
    const types = (await outboxEventsOf(incident.id)).map((event) => event.detailType);
    expect(types).toEqual([
      'IncidentCreated',
      'IncidentUpdated',
      'IncidentAssigned',
      'IncidentStateChanged',
      'IncidentStateChanged',
      'IncidentCommented',
      'IncidentCommented',
      'IncidentStateChanged',
    ]);
  });

  it('auto-closes incidents resolved longer ago than the configured period', async () => {
    const resolvedAt = new Date(Date.now() - 200 * 3600_000).toISOString();
    const { incident } = await createIncident(newIncident(), ctx(agent, resolvedAt));
    await transitionIncident(
      incident.id,
      { action: 'resolve', resolutionCode: 'Solved (Permanently)', resolutionNotes: 'Rebooted' },
      ctx(agent, resolvedAt),
    );
    const fresh = await createIncident(newIncident(), ctx());
    await transitionIncident(
      fresh.incident.id,
      { action: 'resolve', resolutionCode: 'Solved (Permanently)', resolutionNotes: 'Rebooted' },
      ctx(),
    );
    const result = await autoCloseResolved(new Date().toISOString());
    expect(result.closed).toBeGreaterThanOrEqual(1);
    expect((await getIncidentForPrincipal(incident.id, agent)).state).toBe('Closed');
    expect((await getIncidentForPrincipal(fresh.incident.id, agent)).state).toBe('Resolved');
  });
});

describe('configuration item references', () => {
  it('accept an existing CI and refuse unknown or retired ones, on create and on update', async () => {
    const ci = await aConfigurationItem();
    const { incident } = await createIncident(newIncident({ configurationItem: ci }), ctx());
    expect(incident.configurationItem).toBe(ci);

    const unknown = createIncident(newIncident({ configurationItem: 'no-such-ci' }), ctx());
    await expect(unknown).rejects.toBeInstanceOf(ValidationError);
    await expect(unknown).rejects.toMatchObject({ issues: [{ field: 'configurationItem' }] });

    const retired = await aConfigurationItem('retired');
    const update = updateIncident(incident.id, { configurationItem: retired }, ctx(), () => {});
    await expect(update).rejects.toThrow(/retired/);
    expect((await getIncidentForPrincipal(incident.id, agent)).configurationItem).toBe(ci);
  });
});
