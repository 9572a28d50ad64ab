import { describe, expect, it } from 'vitest';
import {
  duplicateMerge,
  linkIncidents,
  type ProblemIncidentLink,
  type ProblemState,
  ProblemStates,
  unlinkIncidents,
} from '../../../functions/problem/domain';
import { ConflictError, ForbiddenError } from '../../../shared/errors';
import {
  anIncidentRef,
  aProblem,
  CREATED_AT,
  ctx,
  NOW,
  principals,
  thrownBy,
  validationIssues,
} from './fixtures';

function aLink(problemId: string, incidentId: string): ProblemIncidentLink {
  return {
    problemId,
    incidentId,
    configurationItem: 'ci-mail',
    linkedAt: CREATED_AT,
    linkedBy: 'agent-0',
  };
}

const ACTIVE: ProblemState[] = ['New', 'Assess', 'Root Cause Analysis', 'Fix in Progress'];

describe('linkIncidents', () => {
  const problem = aProblem('Root Cause Analysis', { linkedIncidentCount: 1 });
  const existing = [aLink('prb-1', 'inc-a'), aLink('prb-other', 'inc-b')];

  it('links new incidents and counts them in a new version', () => {
    const result = linkIncidents(
      problem,
      [
        anIncidentRef('inc-b'),
        anIncidentRef('inc-c', 'Resolved', { configurationItem: undefined }),
      ],
      existing,
      ctx(),
    );
    expect(result.links).toEqual([
      {
        problemId: 'prb-1',
        incidentId: 'inc-b',
        configurationItem: 'ci-mail',
        linkedAt: NOW,
        linkedBy: 'agent-1',
      },
      { problemId: 'prb-1', incidentId: 'inc-c', linkedAt: NOW, linkedBy: 'agent-1' },
    ]);
    expect(result.problem).toMatchObject({ linkedIncidentCount: 3, version: problem.version + 1 });
    expect(result.changes).toEqual([{ field: 'linkedIncidentCount', old: 1, new: 3 }]);
  });

  it('skips incidents already linked, and repeated ones', () => {
    const result = linkIncidents(
      problem,
      [anIncidentRef('inc-a'), anIncidentRef('inc-d'), anIncidentRef('inc-d')],
      existing,
      ctx(),
    );
    expect(result.links.map((link) => link.incidentId)).toEqual(['inc-d']);
    expect(result.problem.linkedIncidentCount).toBe(2);
  });

  it('is a no-op when every incident is linked already', () => {
    expect(linkIncidents(problem, [anIncidentRef('inc-a')], existing, ctx())).toEqual({
      problem,
      changes: [],
      links: [],
    });
  });

  it('refuses Canceled incidents, naming each', () => {
    const incidents = [anIncidentRef('inc-x', 'Canceled'), anIncidentRef('inc-y', 'Canceled')];
    expect(validationIssues(() => linkIncidents(problem, incidents, [], ctx()))).toEqual([
      { field: 'incidentIds', message: 'inc-x is Canceled' },
      { field: 'incidentIds', message: 'inc-y is Canceled' },
    ]);
  });

  it.each(ProblemStates)('links to a problem in %s only while it is active', (state) => {
    const attempt = () => linkIncidents(aProblem(state), [anIncidentRef('inc-z')], [], ctx());
    if (ACTIVE.includes(state)) expect(attempt().links).toHaveLength(1);
    else expect(thrownBy(attempt)).toBeInstanceOf(ConflictError);
  });

  it('refuses non-writers', () => {
    expect(
      thrownBy(() =>
        linkIncidents(problem, [anIncidentRef('inc-z')], [], ctx(principals.readingClient)),
      ),
    ).toBeInstanceOf(ForbiddenError);
  });
});

describe('unlinkIncidents', () => {
  const problem = aProblem('Resolved', { linkedIncidentCount: 2 });
  const existing = [aLink('prb-1', 'inc-a'), aLink('prb-1', 'inc-b'), aLink('prb-2', 'inc-c')];

  it('removes the named links of this problem and counts them down', () => {
    const result = unlinkIncidents(problem, ['inc-a', 'inc-c', 'inc-zz'], existing, ctx());
    expect(result.links).toEqual([aLink('prb-1', 'inc-a')]);
    expect(result.changes).toEqual([{ field: 'linkedIncidentCount', old: 2, new: 1 }]);
  });

  it('is a no-op when nothing named is linked', () => {
    expect(unlinkIncidents(problem, ['inc-c'], existing, ctx())).toEqual({
      problem,
      changes: [],
      links: [],
    });
  });

  it.each(['Closed', 'Duplicate', 'Canceled'] as const)('refuses a %s problem', (state) => {
    expect(
      thrownBy(() => unlinkIncidents(aProblem(state), ['inc-a'], existing, ctx())),
    ).toBeInstanceOf(ConflictError);
  });
});

describe('duplicateMerge', () => {
  const duplicate = aProblem('Duplicate', {
    id: 'prb-dup',
    number: 'PRB0001005',
    duplicateOf: 'prb-kept',
  });
  const kept = aProblem('Root Cause Analysis', {
    id: 'prb-kept',
    number: 'PRB0001004',
    linkedIncidentCount: 2,
  });
  const links = [
    aLink('prb-dup', 'inc-1'),
    aLink('prb-dup', 'inc-2'),
    aLink('prb-kept', 'inc-2'),
    aLink('prb-kept', 'inc-3'),
    aLink('prb-unrelated', 'inc-4'),
  ];

  it("moves the duplicate's links to the kept problem, once per incident", () => {
    const merge = duplicateMerge(duplicate, kept, links, ctx());
    expect(merge.removed).toEqual([aLink('prb-dup', 'inc-1'), aLink('prb-dup', 'inc-2')]);
    expect(merge.links).toEqual([
      {
        problemId: 'prb-kept',
        incidentId: 'inc-1',
        configurationItem: 'ci-mail',
        linkedAt: NOW,
        linkedBy: 'agent-1',
      },
    ]);
    expect(merge.problem).toMatchObject({ id: 'prb-kept', linkedIncidentCount: 3 });
    expect(merge.changes).toEqual([{ field: 'linkedIncidentCount', old: 2, new: 3 }]);
  });

  it('leaves the kept problem as it is when it has every incident already', () => {
    const merge = duplicateMerge(
      duplicate,
      kept,
      [aLink('prb-dup', 'inc-2'), aLink('prb-kept', 'inc-2')],
      ctx(),
    );
    expect(merge).toEqual({
      problem: kept,
      changes: [],
      links: [],
      removed: [aLink('prb-dup', 'inc-2')],
    });
  });

  it('works from the transition result of markDuplicate', () => {
    const notMarked = aProblem('Assess', { id: 'prb-dup' });
    expect(thrownBy(() => duplicateMerge(notMarked, kept, links, ctx()))).toBeInstanceOf(
      ConflictError,
    );
    const ofAnother = { ...duplicate, duplicateOf: 'prb-else' };
    expect(thrownBy(() => duplicateMerge(ofAnother, kept, links, ctx()))).toBeInstanceOf(
      ConflictError,
    );
  });
});
