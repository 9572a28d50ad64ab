import { describe, expect, it } from 'vitest';
import type { ParentTransition } from '../../../functions/incident/domain';
import {
  createIncident,
  getIncidentForPrincipal,
  listChildIncidents,
  syncChildren,
  transitionIncident,
  updateIncident,
} from '../../../functions/incident/use-cases';
import { agent, ctx, outboxEventsOf } from './support';

const base = {
  shortDescription: 'Cannot reach the ERP',
  impact: 1,
  urgency: 1,
  assignmentGroup: 'erp',
};

async function parentWithChildren() {
  const { incident: parent } = await createIncident(
    { ...base, shortDescription: 'ERP outage' },
    ctx(),
  );
  const { incident: first } = await createIncident({ ...base, parentId: parent.id }, ctx());
  const { incident: second } = await createIncident({ ...base, parentId: parent.number }, ctx());
  const { incident: third } = await createIncident(base, ctx());
  await updateIncident(third.id, { parentId: parent.id }, ctx(), () => {});
  return { parent, children: [first, second, third] };
}

async function applyAndSync(id: string, command: Parameters<typeof transitionIncident>[1]) {
  const before = await getIncidentForPrincipal(id, agent);
  const after = await transitionIncident(id, command, ctx());
  const change: ParentTransition = {
    parent: after,
    action: command.action,
    from: before.state,
    to: after.state,
    actor: agent,
  };
  return syncChildren(change, new Date().toISOString());
}

describe('parent and child incidents', () => {
  it('links children at creation and by PATCH, counting them on the parent', async () => {
    const { parent, children } = await parentWithChildren();
    const stored = await getIncidentForPrincipal(parent.id, agent);
    expect(stored.childCount).toBe(3);
    const page = await listChildIncidents(parent.id, { limit: 10, cursor: null }, agent);
    expect(page.items.map((item) => item.id).sort()).toEqual(
      children.map((child) => child.id).sort(),
    );
    const parentEvents = (await outboxEventsOf(parent.id)).map((event) => event.detailType);
    expect(parentEvents).toEqual([
      'IncidentCreated',
      'IncidentUpdated',
      'IncidentUpdated',
      'IncidentUpdated',
    ]);
  });

  it('detaches a child with parentId null', async () => {
    const { parent, children } = await parentWithChildren();
    const child = children[0];
    if (!child) throw new Error('fixture has children');
    const detached = await updateIncident(child.id, { parentId: null }, ctx(), () => {});
    expect(detached.parentId).toBeUndefined();
    expect((await getIncidentForPrincipal(parent.id, agent)).childCount).toBe(2);
  });

  it('puts open children on hold with the parent, resolves them with its resolution, and reopens them', async () => {
    const { parent, children } = await parentWithChildren();
    await transitionIncident(parent.id, { action: 'start' }, ctx());
    const held = await applyAndSync(parent.id, { action: 'hold', holdReason: 'Awaiting Vendor' });
    expect(held.updated).toBe(3);
    for (const child of children) {
      expect(await getIncidentForPrincipal(child.id, agent)).toMatchObject({
        state: 'On Hold',
        holdReason: 'Awaiting Vendor',
      });
    }
    await transitionIncident(parent.id, { action: 'resume' }, ctx());
    const resolved = await applyAndSync(parent.id, {
      action: 'resolve',
      resolutionCode: 'Solved (Workaround)',
      resolutionNotes: 'Failed over to the standby ERP',
    });
    expect(resolved.updated).toBe(3);
    for (const child of children) {
      expect(await getIncidentForPrincipal(child.id, agent)).toMatchObject({
        state: 'Resolved',
        resolutionCode: 'Solved (Workaround)',
        resolutionNotes: 'Failed over to the standby ERP',
      });
    }
    const reopened = await applyAndSync(parent.id, { action: 'reopen' });
    expect(reopened.updated).toBe(3);
    for (const child of children) {
      expect((await getIncidentForPrincipal(child.id, agent)).state).toBe('In Progress');
    }
  });

  it('changes nothing when the same parent event is delivered again', async () => {
    const { parent } = await parentWithChildren();
    const before = await getIncidentForPrincipal(parent.id, agent);
    const after = await transitionIncident(
      parent.id,
      { action: 'resolve', resolutionCode: 'Solved (Permanently)', resolutionNotes: 'Patched' },
      ctx(),
    );
    const change: ParentTransition = {
      parent: after,
      action: 'resolve',
      from: before.state,
      to: after.state,
      actor: agent,
    };
    expect((await syncChildren(change, new Date().toISOString())).updated).toBe(3);
    expect((await syncChildren(change, new Date().toISOString())).updated).toBe(0);
  });

  it('ignores an event that no longer describes the parent (out of order delivery)', async () => {
    const { parent, children } = await parentWithChildren();
    const before = await getIncidentForPrincipal(parent.id, agent);
    const resolvedParent = await transitionIncident(
      parent.id,
      { action: 'resolve', resolutionCode: 'Solved (Permanently)', resolutionNotes: 'Patched' },
      ctx(),
    );
    await transitionIncident(parent.id, { action: 'reopen' }, ctx());
    const stale: ParentTransition = {
      parent: resolvedParent,
      action: 'resolve',
      from: before.state,
      to: 'Resolved',
      actor: agent,
    };
    expect((await syncChildren(stale, new Date().toISOString())).updated).toBe(0);
    expect((await getIncidentForPrincipal(children[0]?.id ?? '', agent)).state).toBe('New');
  });

  it('gives children the hold reason and resolution the parent has now, not those of a late event', async () => {
    const { parent, children } = await parentWithChildren();
    const [child] = children;
    const hold = async (
      holdReason: 'Awaiting Vendor' | 'Awaiting Change',
    ): Promise<ParentTransition> => {
      const before = await getIncidentForPrincipal(parent.id, agent);
      const after = await transitionIncident(parent.id, { action: 'hold', holdReason }, ctx());
      return { parent: after, action: 'hold', from: before.state, to: after.state, actor: agent };
    };
    const lateVendorHold = await hold('Awaiting Vendor');
    const changeHold = await hold('Awaiting Change');
    await syncChildren(changeHold, new Date().toISOString());
    // The first hold's event arrives last: the parent is still On Hold, but for a change.
    expect((await syncChildren(lateVendorHold, new Date().toISOString())).updated).toBe(0);
    expect(await getIncidentForPrincipal(child?.id ?? '', agent)).toMatchObject({
      state: 'On Hold',
      holdReason: 'Awaiting Change',
    });

    const resolve = async (resolutionNotes: string): Promise<ParentTransition> => {
      const before = await getIncidentForPrincipal(parent.id, agent);
      const after = await transitionIncident(
        parent.id,
        { action: 'resolve', resolutionCode: 'Solved (Permanently)', resolutionNotes },
        ctx(),
      );
      return {
        parent: after,
        action: 'resolve',
        from: before.state,
        to: after.state,
        actor: agent,
      };
    };
    const lateFirstResolve = await resolve('First fix');
    await transitionIncident(parent.id, { action: 'reopen' }, ctx());
    await resolve('Second fix');
    // Only the first resolve's event has arrived so far: the parent is Resolved again.
    await syncChildren(lateFirstResolve, new Date().toISOString());
    expect(await getIncidentForPrincipal(child?.id ?? '', agent)).toMatchObject({
      state: 'Resolved',
      resolutionNotes: 'Second fix',
    });
  });
});
