import { describe, expect, it } from 'vitest';
import {
  createIncident,
  type NewIncidentInput,
  parsePriorityMatrix,
} from '../../../functions/incident/domain';
import { ForbiddenError } from '../../../shared/errors';
import { ctx, NOW, type PrincipalName, principals, validationIssues } from './fixtures';

const IDS = { id: 'inc-42', number: 'INC0001042' };

describe('createIncident', () => {
  it('opens a New incident with defaults, for the person creating it', () => {
    const incident = createIncident({ shortDescription: 'VPN drops' }, IDS, ctx(principals.caller));
    expect(incident).toStrictEqual({
      id: 'inc-42',
      number: 'INC0001042',
      shortDescription: 'VPN drops',
      caller: principals.caller.id,
      impact: 3,
      urgency: 3,
      priority: 5,
      channel: 'portal',
      state: 'New',
      childCount: 0,
      openedBy: principals.caller.id,
      createdAt: NOW,
      updatedAt: NOW,
      version: 1,
    });
  });

  it('keeps every field an agent sets, and derives the priority', () => {
    const input: NewIncidentInput = {
      shortDescription: 'Payroll down',
      description: 'Nobody can log in',
      caller: 'employee-7',
      category: 'software',
      impact: 1,
      urgency: 2,
      configurationItem: 'payroll-app',
      assignmentGroup: 'apps',
      assignee: 'agent-9',
      channel: 'phone',
      parentId: 'inc-parent',
    };
    const incident = createIncident(input, IDS, ctx(principals.agent));
    expect(incident).toMatchObject({ ...input, priority: 2, openedBy: principals.agent.id });
  });

  it('uses the configured matrix', () => {
    const matrix = parsePriorityMatrix('[[1,1,1],[1,1,1],[1,1,2]]');
    const incident = createIncident({ shortDescription: 'x', impact: 3, urgency: 2 }, IDS, {
      ...ctx(principals.agent),
      priorityMatrix: matrix,
    });
    expect(incident.priority).toBe(1);
  });

  it.each([
    ['caller', 'portal'],
    ['agent', 'portal'],
    ['writingClient', 'api'],
    ['system', 'api'],
  ] as [PrincipalName, string][])('defaults the channel for %s to %s', (name, channel) => {
    expect(createIncident({ shortDescription: 'x' }, IDS, ctx(principals[name])).channel).toBe(
      channel,
    );
  });

  it('lets a requester set the fields a requester knows', () => {
    const input: NewIncidentInput = {
      shortDescription: 'Printer jam',
      description: 'Third floor',
      category: 'hardware',
      urgency: 1,
      configurationItem: 'printer-3f',
      channel: 'email',
    };
    const incident = createIncident(input, IDS, ctx(principals.caller));
    expect(incident).toMatchObject({
      ...input,
      caller: principals.caller.id,
      impact: 3,
      priority: 3,
    });
  });

  it('names every triage field a requester may not set', () => {
    const input: NewIncidentInput = {
      shortDescription: 'x',
      caller: 'someone-else',
      impact: 1,
      assignmentGroup: 'apps',
      assignee: 'agent-9',
      parentId: 'inc-parent',
    };
    const issues = validationIssues(() => createIncident(input, IDS, ctx(principals.caller)));
    expect(issues.map((issue) => issue.field).sort()).toEqual(
      ['assignee', 'assignmentGroup', 'caller', 'impact', 'parentId'].sort(),
    );
  });

  it.each(['roleless', 'readingClient', 'scopelessClient'] as PrincipalName[])(
    'forbids %s',
    (name) => {
      expect(() => createIncident({ shortDescription: 'x' }, IDS, ctx(principals[name]))).toThrow(
        ForbiddenError,
      );
    },
  );

  it('requires an assignment group for an assignee', () => {
    const attempt = () =>
      createIncident({ shortDescription: 'x', assignee: 'agent-9' }, IDS, ctx(principals.agent));
    expect(validationIssues(attempt)).toEqual([expect.objectContaining({ field: 'assignee' })]);
  });
});
