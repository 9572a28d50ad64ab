import { describe, expect, it } from 'vitest';
import {
  type CreateDecision,
  createDetectedProblem,
  createProblem,
  type NewProblemInput,
  ProblemIncidentLinkSchema,
  ProblemSchema,
  type ProblemState,
  updateProblem,
} from '../../../functions/problem/domain';
import { ConflictError, ForbiddenError } from '../../../shared/errors';
import {
  aProblem,
  ctx,
  NOW,
  principalNames,
  principals,
  thrownBy,
  validationIssues,
  WRITERS,
} from './fixtures';

const IDS = { id: 'prb-new', number: 'PRB0001002' };

describe('createProblem', () => {
  it('creates a valid New manual problem with Low impact and urgency by default', () => {
    const problem = createProblem({ shortDescription: 'VPN drops' }, IDS, ctx());
    expect(problem).toEqual({
      id: 'prb-new',
      number: 'PRB0001002',
      shortDescription: 'VPN drops',
      impact: 3,
      urgency: 3,
      priority: 5,
      state: 'New',
      knownError: false,
      linkedIncidentCount: 0,
      source: 'manual',
      openedBy: 'agent-1',
      createdAt: NOW,
      updatedAt: NOW,
      version: 1,
    });
    expect(ProblemSchema.parse(problem)).toEqual(problem);
  });

  it('derives the priority from impact and urgency through the matrix', () => {
    const input: NewProblemInput = { shortDescription: 'VPN drops', impact: 1, urgency: 2 };
    expect(createProblem(input, IDS, ctx()).priority).toBe(2);
  });

  it('takes every optional field', () => {
    const input: NewProblemInput = {
      shortDescription: 'VPN drops',
      description: 'Every night at 2am',
      category: 'network',
      configurationItem: 'ci-vpn',
      assignmentGroup: 'network',
      assignee: 'agent-2',
      knownError: true,
      rootCause: 'Key rotation job',
      workaround: 'Reconnect',
    };
    expect(createProblem(input, IDS, ctx())).toMatchObject(input);
  });

  it.each(principalNames)('lets only writers create (%s)', (name) => {
    const attempt = () => createProblem({ shortDescription: 'x' }, IDS, ctx(principals[name]));
    if (WRITERS.includes(name)) expect(attempt().openedBy).toBe(principals[name].id);
    else expect(thrownBy(attempt)).toBeInstanceOf(ForbiddenError);
  });

  it('requires a root cause and a workaround for a known error, naming both', () => {
    const input: NewProblemInput = { shortDescription: 'x', knownError: true, workaround: ' ' };
    expect(validationIssues(() => createProblem(input, IDS, ctx()))).toEqual([
      expect.objectContaining({ field: 'rootCause' }),
      expect.objectContaining({ field: 'workaround' }),
    ]);
  });

  it('requires a group for an assignee', () => {
    const input: NewProblemInput = { shortDescription: 'x', assignee: 'agent-2' };
    expect(validationIssues(() => createProblem(input, IDS, ctx()))).toEqual([
      expect.objectContaining({ field: 'assignee' }),
    ]);
  });
});

describe('updateProblem', () => {
  it('records what changed as a new version', () => {
    const problem = aProblem('Root Cause Analysis');
    const result = updateProblem(
      problem,
      { description: 'Seen on relay 2', category: 'mail' },
      ctx(),
    );
    expect(result.problem).toMatchObject({
      description: 'Seen on relay 2',
      category: 'mail',
      version: problem.version + 1,
      updatedAt: NOW,
    });
    expect(result.changes).toEqual([
      { field: 'description', old: null, new: 'Seen on relay 2' },
      { field: 'category', old: null, new: 'mail' },
    ]);
  });

  it('clears optional fields with null', () => {
    const problem = aProblem('New', { category: 'mail' });
    const result = updateProblem(problem, { category: null, assignee: null }, ctx());
    expect(result.problem).not.toHaveProperty('category');
    expect(result.problem).not.toHaveProperty('assignee');
  });

  it('returns the problem untouched when nothing changes', () => {
    const problem = aProblem('Assess');
    const result = updateProblem(problem, { shortDescription: problem.shortDescription }, ctx());
    expect(result).toEqual({ problem, changes: [] });
  });

  it('re-derives the priority only when impact or urgency change', () => {
    const problem = aProblem('Assess', { priority: 4 });
    expect(updateProblem(problem, { description: 'x' }, ctx()).problem.priority).toBe(4);
    expect(updateProblem(problem, { impact: 1 }, ctx()).problem.priority).toBe(2);
  });

  it('clears the assignee when the group moves, unless the patch names one', () => {
    const problem = aProblem('Assess');
    expect(updateProblem(problem, { assignmentGroup: 'dba' }, ctx()).problem).not.toHaveProperty(
      'assignee',
    );
    expect(
      updateProblem(problem, { assignmentGroup: 'dba', assignee: 'agent-9' }, ctx()).problem
        .assignee,
    ).toBe('agent-9');
  });

  it('marks a known error when root cause and workaround are documented', () => {
    const problem = aProblem('Root Cause Analysis');
    const result = updateProblem(
      problem,
      { knownError: true, rootCause: 'Disk full', workaround: 'Purge the queue' },
      ctx(),
    );
    expect(result.problem).toMatchObject({ knownError: true, workaround: 'Purge the queue' });
  });

  it('refuses a known error without its workaround, and clearing it from one', () => {
    const problem = aProblem('Root Cause Analysis', { rootCause: 'Disk full' });
    expect(validationIssues(() => updateProblem(problem, { knownError: true }, ctx()))).toEqual([
      expect.objectContaining({ field: 'workaround' }),
    ]);
    const knownError = { ...problem, knownError: true, workaround: 'Purge the queue' };
    expect(validationIssues(() => updateProblem(knownError, { workaround: null }, ctx()))).toEqual([
      expect.objectContaining({ field: 'workaround' }),
    ]);
    expect(
      updateProblem(knownError, { knownError: false, workaround: null }, ctx()).problem,
    ).not.toHaveProperty('workaround');
  });

  it.each(['Assess', 'Root Cause Analysis', 'Fix in Progress', 'Resolved'] as const)(
    'keeps the group of a problem in %s',
    (state) => {
      expect(
        validationIssues(() => updateProblem(aProblem(state), { assignmentGroup: null }, ctx())),
      ).toEqual([expect.objectContaining({ field: 'assignmentGroup' })]);
    },
  );

  it('lets a New problem lose its group (and its assignee with it)', () => {
    const result = updateProblem(aProblem('New'), { assignmentGroup: null }, ctx());
    expect(result.problem).not.toHaveProperty('assignmentGroup');
    expect(result.problem).not.toHaveProperty('assignee');
  });

  it.each(['Fix in Progress', 'Resolved'] as const)('keeps the root cause in %s', (state) => {
    expect(
      validationIssues(() => updateProblem(aProblem(state), { rootCause: null }, ctx())),
    ).toEqual([expect.objectContaining({ field: 'rootCause' })]);
  });

  it('edits a risk accepted without a root cause', () => {
    const problem = aProblem('Resolved', { rootCause: undefined, resolutionCode: 'Risk Accepted' });
    expect(updateProblem(problem, { workaround: 'Restart weekly' }, ctx()).problem.workaround).toBe(
      'Restart weekly',
    );
  });

  it.each(['Closed', 'Duplicate', 'Canceled'] as ProblemState[])('refuses edits in %s', (state) => {
    expect(
      thrownBy(() => updateProblem(aProblem(state), { description: 'x' }, ctx())),
    ).toBeInstanceOf(ConflictError);
  });

  it('refuses non-writers', () => {
    expect(
      thrownBy(() =>
        updateProblem(aProblem(), { description: 'x' }, ctx(principals.readingClient)),
      ),
    ).toBeInstanceOf(ForbiddenError);
  });
});

describe('createDetectedProblem', () => {
  const decision: CreateDecision = {
    kind: 'create',
    candidate: {
      id: 'prb-derived',
      configurationItem: 'ci-db',
      shortDescription: '3 incidents on CIs that depend on ci-db within 24 h',
      description: 'Detected',
    },
    incidents: [
      { id: 'inc-1', configurationItem: 'ci-app-1', state: 'New', createdAt: NOW, version: 1 },
      { id: 'inc-2', configurationItem: 'ci-app-2', state: 'New', createdAt: NOW, version: 1 },
    ],
  };

  it('creates a New detected problem on the shared CI with its links, by the system', () => {
    const { problem, links } = createDetectedProblem(
      decision,
      'PRB0001003',
      ctx(principals.system),
    );
    expect(ProblemSchema.parse(problem)).toEqual(problem);
    expect(problem).toMatchObject({
      id: 'prb-derived',
      number: 'PRB0001003',
      configurationItem: 'ci-db',
      state: 'New',
      source: 'detected',
      openedBy: 'system',
      linkedIncidentCount: 2,
      version: 1,
    });
    expect(links).toEqual([
      {
        problemId: 'prb-derived',
        incidentId: 'inc-1',
        configurationItem: 'ci-app-1',
        linkedAt: NOW,
        linkedBy: 'system',
      },
      {
        problemId: 'prb-derived',
        incidentId: 'inc-2',
        configurationItem: 'ci-app-2',
        linkedAt: NOW,
        linkedBy: 'system',
      },
    ]);
    for (const link of links) expect(ProblemIncidentLinkSchema.parse(link)).toEqual(link);
  });

  it('is refused to a client that holds incident scopes only', () => {
    expect(
      thrownBy(() => createDetectedProblem(decision, 'PRB0001003', ctx(principals.incidentClient))),
    ).toBeInstanceOf(ForbiddenError);
  });
});
