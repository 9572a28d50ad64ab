import { describe, expect, it } from 'vitest';
import {
  type IncidentPatch,
  parsePriorityMatrix,
  updateIncident,
} from '../../../functions/incident/domain';
import { ConflictError, ForbiddenError } from '../../../shared/errors';
import { IncidentStates } from '../../../shared/events/incidents';
import { anIncident, ctx, NOW, type PrincipalName, principals, validationIssues } from './fixtures';

const agent = ctx(principals.agent);

describe('updateIncident', () => {
  it('applies the patch as a new version, listing each change', () => {
    const incident = anIncident('In Progress', { category: 'network' });
    const result = updateIncident(
      incident,
      { shortDescription: 'Mail is slow', description: 'Since 9am', category: null },
      agent,
    );
    expect(result.incident).toMatchObject({
      shortDescription: 'Mail is slow',
      description: 'Since 9am',
      version: incident.version + 1,
      updatedAt: NOW,
    });
    expect(result.incident).not.toHaveProperty('category');
    expect(result.changes).toEqual([
      { field: 'shortDescription', old: 'Mail is down', new: 'Mail is slow' },
      { field: 'description', old: null, new: 'Since 9am' },
      { field: 'category', old: 'network', new: null },
    ]);
    expect(result.assignmentChanged).toBe(false);
  });

  it('returns the same incident and no changes when nothing changes', () => {
    const incident = anIncident('In Progress');
    const patch: IncidentPatch = {
      shortDescription: incident.shortDescription,
      impact: incident.impact,
      description: null,
      assignmentGroup: incident.assignmentGroup,
    };
    const result = updateIncident(incident, patch, agent);
    expect(result.incident).toBe(incident);
    expect(result.changes).toEqual([]);
    expect(result.assignmentChanged).toBe(false);
  });

  it('does not modify the incident it is given', () => {
    const incident = anIncident('New');
    const copy = structuredClone(incident);
    updateIncident(incident, { impact: 1, assignmentGroup: null }, agent);
    expect(incident).toEqual(copy);
  });

  describe('priority', () => {
    it('is re-derived when impact or urgency change, and its change is listed', () => {
      const result = updateIncident(anIncident('New'), { impact: 1 }, agent);
      expect(result.incident.priority).toBe(2);
      expect(result.changes).toEqual([
        { field: 'impact', old: 2, new: 1 },
        { field: 'priority', old: 3, new: 2 },
      ]);
    });

    it('uses the configured matrix', () => {
      const matrix = parsePriorityMatrix('[[5,5,5],[5,5,1],[5,5,5]]');
      const result = updateIncident(
        anIncident('New'),
        { urgency: 3 },
        {
          ...agent,
          priorityMatrix: matrix,
        },
      );
      expect(result.incident.priority).toBe(1);
    });

    it('is kept on other edits, even when the matrix has changed since', () => {
      const matrix = parsePriorityMatrix('[[5,5,5],[5,5,5],[5,5,5]]');
      const result = updateIncident(
        anIncident('New'),
        { category: 'email' },
        {
          ...agent,
          priorityMatrix: matrix,
        },
      );
      expect(result.incident.priority).toBe(3);
    });

    it('is not listed when impact and urgency change to the same priority', () => {
      const result = updateIncident(anIncident('New'), { impact: 1, urgency: 3 }, agent);
      expect(result.changes.map((change) => change.field)).toEqual(['impact', 'urgency']);
    });
  });

  describe('assignment', () => {
    it('reports an assignment change', () => {
      const result = updateIncident(anIncident('New'), { assignee: 'agent-9' }, agent);
      expect(result.assignmentChanged).toBe(true);
      expect(result.changes).toEqual([{ field: 'assignee', old: null, new: 'agent-9' }]);
    });

    it('clears the assignee with the assignment group', () => {
      const incident = anIncident('New', { assignee: 'agent-9' });
      const result = updateIncident(incident, { assignmentGroup: null }, agent);
      expect(result.incident).not.toHaveProperty('assignmentGroup');
      expect(result.incident).not.toHaveProperty('assignee');
      expect(result.changes).toEqual([
        { field: 'assignmentGroup', old: 'service-desk', new: null },
        { field: 'assignee', old: 'agent-9', new: null },
      ]);
      expect(result.assignmentChanged).toBe(true);
    });

    it('clears the assignee when the incident moves to another group', () => {
      const incident = anIncident('In Progress', { assignee: 'agent-9' });
      const result = updateIncident(incident, { assignmentGroup: 'network' }, agent);
      expect(result.incident.assignmentGroup).toBe('network');
      expect(result.incident).not.toHaveProperty('assignee');
    });

    it('keeps an assignee named with the new group', () => {
      const incident = anIncident('In Progress', { assignee: 'agent-9' });
      const result = updateIncident(
        incident,
        { assignmentGroup: 'network', assignee: 'agent-5' },
        agent,
      );
      expect(result.incident).toMatchObject({ assignmentGroup: 'network', assignee: 'agent-5' });
    });

    it('keeps the assignee when the group is patched to its current value', () => {
      const incident = anIncident('In Progress', { assignee: 'agent-9' });
      const result = updateIncident(incident, { assignmentGroup: 'service-desk' }, agent);
      expect(result.changes).toEqual([]);
    });

    it('requires an assignment group for an assignee', () => {
      const incident = anIncident('New', { assignmentGroup: undefined });
      expect(
        validationIssues(() => updateIncident(incident, { assignee: 'agent-9' }, agent)),
      ).toEqual([expect.objectContaining({ field: 'assignee' })]);
    });

    it('rejects an assignee set while the group is cleared', () => {
      const attempt = () =>
        updateIncident(anIncident('New'), { assignmentGroup: null, assignee: 'agent-9' }, agent);
      expect(validationIssues(attempt)).toEqual([expect.objectContaining({ field: 'assignee' })]);
    });

    it.each(['In Progress', 'On Hold'] as const)(
      'keeps a %s incident from losing its assignment group',
      (state) => {
        const attempt = () => updateIncident(anIncident(state), { assignmentGroup: null }, agent);
        expect(validationIssues(attempt)).toEqual([
          expect.objectContaining({ field: 'assignmentGroup' }),
        ]);
      },
    );

    it('lets an On Hold incident that never had a group be edited', () => {
      const incident = anIncident('On Hold', { assignmentGroup: undefined });
      expect(updateIncident(incident, { category: 'email' }, agent).changes).toHaveLength(1);
    });
  });

  describe('by state', () => {
    it.each(IncidentStates)('%s', (state) => {
      const attempt = () => updateIncident(anIncident(state), { urgency: 1 }, agent);
      if (state === 'New' || state === 'In Progress' || state === 'On Hold') {
        expect(attempt().incident.urgency).toBe(1);
      } else {
        expect(attempt).toThrow(ConflictError);
      }
    });

    it.each(['Resolved', 'Closed', 'Canceled'] as const)(
      'rejects even an empty patch when %s',
      (state) => {
        expect(() => updateIncident(anIncident(state), {}, agent)).toThrow(ConflictError);
      },
    );
  });

  describe('by principal', () => {
    it.each(['agent', 'admin', 'writingClient', 'system'] as PrincipalName[])(
      '%s may patch',
      (name) => {
        const result = updateIncident(anIncident('New'), { urgency: 1 }, ctx(principals[name]));
        expect(result.incident.urgency).toBe(1);
      },
    );

    it('names every field a requester tried to patch', () => {
      const attempt = () =>
        updateIncident(
          anIncident('New'),
          { description: 'more', assignee: null },
          ctx(principals.caller),
        );
      expect(validationIssues(attempt).map((issue) => issue.field)).toEqual([
        'description',
        'assignee',
      ]);
    });

    it.each(['caller', 'roleless', 'readingClient', 'scopelessClient'] as PrincipalName[])(
      'forbids %s an empty patch',
      (name) => {
        expect(() => updateIncident(anIncident('New'), {}, ctx(principals[name]))).toThrow(
          ForbiddenError,
        );
      },
    );
  });
});
