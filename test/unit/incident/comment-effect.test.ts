import { describe, expect, it } from 'vitest';
import { commentEffect } from '../../../functions/incident/domain';
import { HoldReasons, IncidentStates } from '../../../shared/events/incidents';
import { anIncident, ctx, NOW, type PrincipalName, principals } from './fixtures';

describe('commentEffect', () => {
  const awaitingCaller = anIncident('On Hold', { holdReason: 'Awaiting Caller' });

  it('returns an incident without an assignment group to New, never In Progress', () => {
    const unassigned = anIncident('On Hold', {
      holdReason: 'Awaiting Caller',
      assignmentGroup: undefined,
    });
    const effect = commentEffect(unassigned, { visibility: 'public' }, ctx(principals.caller));
    expect(effect?.to).toBe('New');
    expect(effect?.incident.state).toBe('New');
    expect(effect?.incident).not.toHaveProperty('holdReason');
  });

  it('resumes an incident awaiting the caller when the caller replies publicly', () => {
    const effect = commentEffect(awaitingCaller, { visibility: 'public' }, ctx(principals.caller));
    expect(effect).toBeDefined();
    expect(effect?.from).toBe('On Hold');
    expect(effect?.to).toBe('In Progress');
    expect(effect?.incident.state).toBe('In Progress');
    expect(effect?.incident).not.toHaveProperty('holdReason');
    expect(effect?.incident.version).toBe(awaitingCaller.version + 1);
    expect(effect?.incident.updatedAt).toBe(NOW);
    expect(effect?.changes).toEqual([
      { field: 'state', old: 'On Hold', new: 'In Progress' },
      { field: 'holdReason', old: 'Awaiting Caller', new: null },
    ]);
  });

  it('resumes when the caller is an agent or a client', () => {
    for (const actor of [principals.agent, principals.writingClient]) {
      const incident = anIncident('On Hold', { holdReason: 'Awaiting Caller', caller: actor.id });
      expect(commentEffect(incident, { visibility: 'public' }, ctx(actor))?.to).toBe('In Progress');
    }
  });

  it("ignores the caller's internal note", () => {
    expect(
      commentEffect(awaitingCaller, { visibility: 'internal' }, ctx(principals.caller)),
    ).toBeUndefined();
  });

  it.each(['agent', 'admin', 'otherRequester', 'writingClient', 'system'] as PrincipalName[])(
    'ignores public and internal comments by %s, who is not the caller',
    (name) => {
      for (const visibility of ['public', 'internal'] as const) {
        expect(
          commentEffect(awaitingCaller, { visibility }, ctx(principals[name])),
        ).toBeUndefined();
      }
    },
  );

  it.each(HoldReasons.filter((reason) => reason !== 'Awaiting Caller'))(
    "ignores the caller's reply while %s",
    (holdReason) => {
      const incident = anIncident('On Hold', { holdReason });
      expect(
        commentEffect(incident, { visibility: 'public' }, ctx(principals.caller)),
      ).toBeUndefined();
    },
  );

  it.each(IncidentStates.filter((state) => state !== 'On Hold'))(
    "ignores the caller's reply in state %s",
    (state) => {
      expect(
        commentEffect(anIncident(state), { visibility: 'public' }, ctx(principals.caller)),
      ).toBeUndefined();
    },
  );
});
