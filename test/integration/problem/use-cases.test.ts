import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../functions/problem/domain';
import {
  addComment,
  createProblem,
  getProblemForPrincipal,
  listProblemComments,
  listProblemHistory,
  listProblems,
  transitionProblem,
  updateProblem,
} from '../../../functions/problem/use-cases';
import {
  ConflictError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../../shared/errors';
import {
  ProblemCreated,
  ProblemStateChanged,
  ProblemUpdated,
} from '../../../shared/events/problems';
import {
  aConfigurationItem,
  agent,
  aProblem,
  ctx,
  dataOf,
  detailTypes,
  newProblem,
  problemEvents,
  readingClient,
  requesterPrincipal,
  writingClient,
} from './support';

const firstPage = { limit: 50, cursor: null };

/** The If-Match check the API passes: the problem must still be at `version`. */
const ifMatch = (version: number) => (current: Problem) => {
  if (current.version !== version) throw new PreconditionFailedError('stale');
};

async function historyOf(id: string) {
  return (await listProblemHistory(id, firstPage, agent)).items;
}

describe('creating problems', () => {
  it('hands out distinct PRB numbers to K parallel creates', async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, () => createProblem(newProblem(), ctx())),
    );
    const numbers = created.map(({ problem }) => problem.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const number of numbers) expect(number).toMatch(/^PRB\d{7}$/);
  });

  it('writes the problem, its history entry and ProblemCreated together', async () => {
    const { problem, replayed } = await createProblem(newProblem({ impact: 1, urgency: 1 }), ctx());
    expect(replayed).toBe(false);
    expect(problem).toMatchObject({
      state: 'New',
      priority: 1,
      version: 1,
      knownError: false,
      linkedIncidentCount: 0,
      source: 'manual',
      openedBy: agent.id,
    });
    expect(problem).not.toHaveProperty('eventSequence');
    const events = await problemEvents(problem.id);
    expect(detailTypes(events)).toEqual(['ProblemCreated']);
    expect(events[0]?.detail).toMatchObject({
      metadata: { eventId: `problem/${problem.id}/1`, sequence: 1, actor: { id: agent.id } },
    });
    expect(dataOf(events, ProblemCreated)[0]?.problem).toEqual(problem);
    expect(await historyOf(problem.id)).toEqual([
      expect.objectContaining({
        version: 1,
        action: 'create',
        actor: expect.objectContaining({ id: agent.id }),
      }),
    ]);
  });

  it('defaults impact and urgency to Low and refuses a known error without its workaround', async () => {
    const { problem } = await createProblem({ shortDescription: 'Slow logins' }, ctx());
    expect(problem).toMatchObject({ impact: 3, urgency: 3, priority: 5 });
    const knownError = createProblem(
      newProblem({ knownError: true, rootCause: 'Expired certificate' }),
      ctx(),
    );
    await expect(knownError).rejects.toBeInstanceOf(ValidationError);
    await expect(knownError).rejects.toMatchObject({ issues: [{ field: 'workaround' }] });
  });

  it('replays a retried Idempotency-Key and refuses it with another body', async () => {
    const key = crypto.randomUUID();
    const first = await createProblem(newProblem(), ctx(), key);
    const retry = await createProblem(newProblem(), ctx(), key);
    expect(retry).toEqual({ problem: first.problem, replayed: true });
    await expect(createProblem(newProblem({ urgency: 1 }), ctx(), key)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect(detailTypes(await problemEvents(first.problem.id))).toEqual(['ProblemCreated']);
    // Keys are the caller's own: another caller's key of the same value is another request.
    const other = await createProblem(newProblem(), ctx(writingClient), key);
    expect(other.problem.id).not.toBe(first.problem.id);
  });

  it('creates one problem and one event for K parallel requests with one Idempotency-Key', async () => {
    const key = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => createProblem(newProblem(), ctx(), key)),
    );
    const ids = new Set(results.map((result) => result.problem.id));
    expect(ids.size).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    const [id] = [...ids];
    expect(detailTypes(await problemEvents(id ?? ''))).toEqual(['ProblemCreated']);
  });
});

describe('reading problems', () => {
  it('finds a problem by id and by number, in either case', async () => {
    const problem = await aProblem();
    for (const key of [problem.id, problem.number, problem.number.toLowerCase()]) {
      expect(await getProblemForPrincipal(key, agent)).toEqual(problem);
    }
    await expect(getProblemForPrincipal('PRB9999999', agent)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getProblemForPrincipal(crypto.randomUUID(), agent)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('updating problems', () => {
  it('re-derives priority, records the field changes and publishes ProblemUpdated', async () => {
    const problem = await aProblem();
    const updated = await updateProblem(
      problem.id,
      { impact: 1, urgency: 1, category: 'mail' },
      ctx(),
      ifMatch(1),
    );
    expect(updated).toMatchObject({ priority: 1, category: 'mail', version: 2 });
    expect(await getProblemForPrincipal(problem.id, agent)).toEqual(updated);
    const history = await historyOf(problem.id);
    expect(history.map((entry) => entry.action)).toEqual(['create', 'update']);
    expect(history[1]?.changes).toEqual(
      expect.arrayContaining([
        { field: 'impact', old: 2, new: 1 },
        { field: 'priority', old: 3, new: 1 },
        { field: 'category', old: null, new: 'mail' },
      ]),
    );
    const events = await problemEvents(problem.id);
    expect(detailTypes(events)).toEqual(['ProblemCreated', 'ProblemUpdated']);
    expect(dataOf(events, ProblemUpdated)[0]?.changes).toEqual(history[1]?.changes);
  });

  it('writes nothing for a patch that changes nothing', async () => {
    const problem = await aProblem();
    const same = await updateProblem(problem.id, { impact: problem.impact }, ctx(), ifMatch(1));
    expect(same.version).toBe(1);
    expect(detailTypes(await problemEvents(problem.id))).toEqual(['ProblemCreated']);
  });

  it('refuses a stale version', async () => {
    const problem = await aProblem();
    await updateProblem(problem.id, { description: 'first' }, ctx(), ifMatch(1));
    await expect(
      updateProblem(problem.id, { description: 'second' }, ctx(), ifMatch(1)),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await getProblemForPrincipal(problem.id, agent)).description).toBe('first');
  });

  it('lets exactly one of K parallel patches on one version win; the others get 412', async () => {
    const problem = await aProblem();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) =>
        updateProblem(problem.id, { description: `writer ${index}` }, ctx(), ifMatch(1)),
      ),
    );
    const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(PreconditionFailedError);
      }
    }
    const stored = await getProblemForPrincipal(problem.id, agent);
    expect(stored.version).toBe(2);
    expect(await historyOf(problem.id)).toHaveLength(2);
  });

  it('keeps the group while one is required and the root cause while a fix is under way', async () => {
    const problem = await aProblem('Fix in Progress');
    const version = problem.version;
    const clearing = updateProblem(
      problem.id,
      { assignmentGroup: null, rootCause: null },
      ctx(),
      ifMatch(version),
    );
    await expect(clearing).rejects.toBeInstanceOf(ValidationError);
    await expect(clearing).rejects.toMatchObject({
      issues: expect.arrayContaining([
        expect.objectContaining({ field: 'assignmentGroup' }),
        expect.objectContaining({ field: 'rootCause' }),
      ]),
    });
    const knownError = await updateProblem(
      problem.id,
      { knownError: true, workaround: 'Purge the deferred queue' },
      ctx(),
      ifMatch(version),
    );
    expect(knownError).toMatchObject({ knownError: true, version: version + 1 });
  });
});

describe('configuration item references', () => {
  it('accept an existing CI and refuse unknown or retired ones, on create and on update', async () => {
    const ci = await aConfigurationItem();
    const { problem } = await createProblem(newProblem({ configurationItem: ci }), ctx());
    expect(problem.configurationItem).toBe(ci);

    const unknown = createProblem(newProblem({ configurationItem: 'no-such-ci' }), ctx());
    await expect(unknown).rejects.toBeInstanceOf(ValidationError);
    await expect(unknown).rejects.toMatchObject({ issues: [{ field: 'configurationItem' }] });

    const retired = await aConfigurationItem('retired');
    const update = updateProblem(problem.id, { configurationItem: retired }, ctx(), ifMatch(1));
    await expect(update).rejects.toBeInstanceOf(ValidationError);
    await expect(update).rejects.toThrow(/retired/);
    expect((await getProblemForPrincipal(problem.id, agent)).configurationItem).toBe(ci);

    const cleared = await updateProblem(problem.id, { configurationItem: null }, ctx(), ifMatch(1));
    expect(cleared.configurationItem).toBeUndefined();
  });
});

describe('the problem lifecycle', () => {
  it('runs from New to Closed and back to analysis, each step with its rule, history and event', async () => {
    const { problem } = await createProblem({ shortDescription: 'Nightly batch fails' }, ctx());
    const id = problem.id;
    const step = (command: Parameters<typeof transitionProblem>[1]) =>
      transitionProblem(id, command, ctx());
    const refusal = async (command: Parameters<typeof transitionProblem>[1]) => {
      const error = await step(command).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).issues.map((issue) => issue.field);
    };

    const invalid = await step({ action: 'close' }).catch((caught: unknown) => caught);
    expect(invalid).toBeInstanceOf(InvalidTransitionError);
    expect((invalid as InvalidTransitionError).allowedActions).toEqual(['assess']);

    expect(await refusal({ action: 'assess' })).toEqual(['assignmentGroup']);
    await updateProblem(id, { assignmentGroup: 'batch' }, ctx(), ifMatch(1));
    expect(
      (await step({ action: 'assess', comment: 'Recurs every night since the upgrade' })).state,
    ).toBe('Assess');

    expect(await refusal({ action: 'analyse' })).toEqual(['assignee']);
    await updateProblem(id, { assignee: 'bob' }, ctx(), ifMatch(3));
    expect((await step({ action: 'analyse' })).state).toBe('Root Cause Analysis');

    expect(await refusal({ action: 'fix' })).toEqual(['rootCause']);
    const fixing = await step({ action: 'fix', rootCause: 'A lock held by the backup job' });
    expect(fixing).toMatchObject({
      state: 'Fix in Progress',
      rootCause: 'A lock held by the backup job',
    });

    expect(
      await refusal({ action: 'resolve', resolutionCode: 'Fix Applied', resolutionNotes: ' ' }),
    ).toEqual(['resolutionNotes']);
    const resolved = await step({
      action: 'resolve',
      resolutionCode: 'Fix Applied',
      resolutionNotes: 'Backup moved to 02:00',
    });
    expect(resolved).toMatchObject({ state: 'Resolved', resolutionCode: 'Fix Applied' });
    expect(resolved.resolvedAt).toBeDefined();

    const closed = await step({ action: 'close' });
    expect(closed.closedAt).toBeDefined();
    await expect(
      updateProblem(id, { description: 'too late' }, ctx(), ifMatch(closed.version)),
    ).rejects.toBeInstanceOf(ConflictError);

    const recurred = await step({ action: 'reanalyse', comment: 'Failed again tonight' });
    expect(recurred.state).toBe('Root Cause Analysis');
    for (const field of ['resolutionCode', 'resolutionNotes', 'resolvedAt', 'closedAt']) {
      expect(recurred).not.toHaveProperty(field);
    }
    expect(
      await refusal({ action: 'resolve', resolutionCode: 'Fix Applied', resolutionNotes: 'x' }),
    ).toEqual(['resolutionCode']);
    const accepted = await step({
      action: 'resolve',
      resolutionCode: 'Risk Accepted',
      resolutionNotes: 'Runs again by hand when it fails',
    });
    expect(accepted).toMatchObject({ state: 'Resolved', resolutionCode: 'Risk Accepted' });

    const history = await historyOf(id);
    expect(history.map((entry) => entry.action)).toEqual([
      'create',
      'update',
      'assess',
      'update',
      'analyse',
      'fix',
      'resolve',
      'close',
      'reanalyse',
      'resolve',
    ]);
    expect(history.map((entry) => entry.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(history[2]?.changes).toEqual([{ field: 'state', old: 'New', new: 'Assess' }]);

    const events = await problemEvents(id);
    expect(detailTypes(events)).toEqual([
      'ProblemCreated',
      'ProblemUpdated',
      'ProblemStateChanged',
      'ProblemUpdated',
      ...Array(6).fill('ProblemStateChanged'),
    ]);
    expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(
      dataOf(events, ProblemStateChanged).map(({ action, from, to }) => ({ action, from, to })),
    ).toEqual([
      { action: 'assess', from: 'New', to: 'Assess' },
      { action: 'analyse', from: 'Assess', to: 'Root Cause Analysis' },
      { action: 'fix', from: 'Root Cause Analysis', to: 'Fix in Progress' },
      { action: 'resolve', from: 'Fix in Progress', to: 'Resolved' },
      { action: 'close', from: 'Resolved', to: 'Closed' },
      { action: 'reanalyse', from: 'Closed', to: 'Root Cause Analysis' },
      { action: 'resolve', from: 'Root Cause Analysis', to: 'Resolved' },
    ]);
    expect(dataOf(events, ProblemStateChanged).at(-1)?.problem).toEqual(accepted);

    const notes = (await listProblemComments(id, firstPage, agent)).items;
    expect(notes.map((note) => [note.body, note.visibility])).toEqual([
      ['Recurs every night since the upgrade', 'internal'],
      ['Failed again tonight', 'internal'],
    ]);
  });

  it('cancels from Assess, after which the problem is read-only', async () => {
    const problem = await aProblem('Assess');
    const canceled = await transitionProblem(problem.id, { action: 'cancel' }, ctx());
    expect(canceled.state).toBe('Canceled');
    await expect(
      updateProblem(problem.id, { description: 'x' }, ctx(), ifMatch(canceled.version)),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(addComment(problem.id, 'x', ctx())).rejects.toBeInstanceOf(ConflictError);
    const reopen = await transitionProblem(problem.id, { action: 'reanalyse' }, ctx()).catch(
      (caught: unknown) => caught,
    );
    expect(reopen).toBeInstanceOf(InvalidTransitionError);
    expect((reopen as InvalidTransitionError).allowedActions).toEqual([]);
  });

  it('honours If-Match on transitions: of K racing on one version one wins, the others get 412', async () => {
    const problem = await aProblem();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        transitionProblem(problem.id, { action: 'assess' }, ctx(), ifMatch(1)),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(PreconditionFailedError);
      }
    }
  });

  it('decides a transition that lost a race without If-Match again, on fresh data', async () => {
    const problem = await aProblem();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => transitionProblem(problem.id, { action: 'assess' }, ctx())),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(InvalidTransitionError);
      }
    }
    const events = await problemEvents(problem.id);
    expect(detailTypes(events)).toEqual(['ProblemCreated', 'ProblemStateChanged']);
  });
});

describe('work notes', () => {
  it('keeps each note as an internal comment, revising the problem', async () => {
    const problem = await aProblem();
    const { comment: note } = await addComment(problem.number, 'Checked the relay logs', ctx());
    expect(note).toMatchObject({
      body: 'Checked the relay logs',
      visibility: 'internal',
      author: agent.id,
    });
    await addComment(problem.id, 'Opened a vendor case', ctx(writingClient));
    const notes = await listProblemComments(problem.id, firstPage, readingClient);
    expect(notes.items.map((item) => item.body)).toEqual([
      'Checked the relay logs',
      'Opened a vendor case',
    ]);
    expect(notes.items[0]?.id).toBe(note.id);
    expect((await getProblemForPrincipal(problem.id, agent)).version).toBe(3);
    expect((await historyOf(problem.id)).map((entry) => entry.action)).toEqual([
      'create',
      'work-note',
      'work-note',
    ]);
    expect(detailTypes(await problemEvents(problem.id))).toEqual([
      'ProblemCreated',
      'ProblemUpdated',
      'ProblemUpdated',
    ]);
  });

  it('pages through notes oldest first', async () => {
    const problem = await aProblem();
    for (const body of ['one', 'two', 'three']) await addComment(problem.id, body, ctx());
    const first = await listProblemComments(problem.id, { limit: 2, cursor: null }, agent);
    expect(first.items.map((item) => item.body)).toEqual(['one', 'two']);
    expect(first.cursor).not.toBeNull();
    const second = await listProblemComments(problem.id, { limit: 2, cursor: first.cursor }, agent);
    expect(second.items.map((item) => item.body)).toEqual(['three']);
  });
});

describe('who may see and change problems', () => {
  it('hides problems from requesters entirely', async () => {
    const problem = await aProblem();
    const requester = requesterPrincipal();
    for (const attempt of [
      () => getProblemForPrincipal(problem.id, requester),
      () => getProblemForPrincipal(problem.number, requester),
      () => listProblemHistory(problem.id, firstPage, requester),
      () => listProblemComments(problem.id, firstPage, requester),
      () => addComment(problem.id, 'Is this my issue?', ctx(requester)),
      () => updateProblem(problem.id, { urgency: 1 }, ctx(requester), ifMatch(1)),
      () => transitionProblem(problem.id, { action: 'assess' }, ctx(requester)),
    ]) {
      await expect(attempt()).rejects.toBeInstanceOf(NotFoundError);
    }
    await expect(listProblems({ limit: 10 }, requester)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createProblem(newProblem(), ctx(requester))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect((await getProblemForPrincipal(problem.id, agent)).version).toBe(1);
  });

  it('lets problems.read clients read but not write, and problems.write clients do both', async () => {
    const problem = await aProblem();
    expect(await getProblemForPrincipal(problem.id, readingClient)).toEqual(problem);
    expect((await listProblemHistory(problem.id, firstPage, readingClient)).items).toHaveLength(1);
    expect((await listProblems({ limit: 5 }, readingClient)).items.length).toBeGreaterThan(0);
    for (const write of [
      () => createProblem(newProblem(), ctx(readingClient)),
      () => updateProblem(problem.id, { urgency: 1 }, ctx(readingClient), ifMatch(1)),
      () => transitionProblem(problem.id, { action: 'assess' }, ctx(readingClient)),
      () => addComment(problem.id, 'x', ctx(readingClient)),
    ]) {
      await expect(write()).rejects.toBeInstanceOf(ForbiddenError);
    }
    expect((await getProblemForPrincipal(problem.id, agent)).version).toBe(1);

    const { problem: byClient } = await createProblem(newProblem(), ctx(writingClient));
    expect(byClient.openedBy).toBe(writingClient.id);
    const assessed = await transitionProblem(byClient.id, { action: 'assess' }, ctx(writingClient));
    expect(assessed.state).toBe('Assess');
    const [entry] = (await historyOf(byClient.id)).slice(-1);
    expect(entry?.actor).toEqual({ id: writingClient.id, kind: 'client' });
  });
});
