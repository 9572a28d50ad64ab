import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('./environment'));

import { updateTemplate } from '../../../functions/change/catalog';
import type { Change } from '../../../functions/change/domain';
import {
  addComment,
  createChange,
  getChangeForPrincipal,
  listChangeComments,
  listChangeHistory,
  transitionChange,
  updateChange,
} from '../../../functions/change/use-cases';
import { createProblem } from '../../../functions/problem/use-cases';
import {
  ConflictError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../../shared/errors';
import { ChangeCreated, ChangeUpdated } from '../../../shared/events/changes';
import { anIncident } from '../problem/support';
import {
  aChange,
  aCi,
  admin,
  agent,
  aTemplate,
  changeEvents,
  changeInput,
  ctx,
  dataOf,
  detailTypes,
  firstPage,
  readingClient,
  requesterPrincipal,
  writingClient,
} from './support';

/** The If-Match check the API passes: the change must still be at `version`. */
const ifMatch = (version: number) => (current: Change) => {
  if (current.version !== version) throw new PreconditionFailedError('stale');
};

describe('creating changes', () => {
  it('hands out distinct CHG numbers to parallel creates', async () => {
    const ci = await aCi();
    const created = await Promise.all(
      Array.from({ length: 8 }, () => createChange(changeInput([ci]), ctx())),
    );
    const numbers = created.map(({ change }) => change.number);
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const number of numbers) expect(number).toMatch(/^CHG\d{7}$/);
  });

  it('writes the change, its history entry and ChangeCreated together', async () => {
    const ci = await aCi();
    const { change, replayed } = await createChange(changeInput([ci]), ctx());
    expect(replayed).toBe(false);
    expect(change).toMatchObject({
      model: 'normal',
      state: 'New',
      version: 1,
      affectedCis: [ci],
      openedBy: agent.id,
    });
    expect(change).not.toHaveProperty('eventSequence');
    const events = await changeEvents(change.id);
    expect(detailTypes(events)).toEqual(['ChangeCreated']);
    expect(dataOf(events, ChangeCreated)[0]?.change).toEqual(change);
    const history = await listChangeHistory(change.id, firstPage, agent);
    expect(history.items).toEqual([
      expect.objectContaining({
        version: 1,
        action: 'create',
        actor: expect.objectContaining({ id: agent.id }),
      }),
    ]);
  });

  it('replays a retried Idempotency-Key, refuses it with another body, and creates once under a race', async () => {
    const ci = await aCi();
    const input = changeInput([ci]);
    const key = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => createChange(input, ctx(), key)),
    );
    expect(new Set(results.map((result) => result.change.id)).size).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    const retry = await createChange(input, ctx(), key);
    expect(retry).toEqual({ change: results[0]?.change, replayed: true });
    await expect(
      createChange({ ...input, shortDescription: 'Another change' }, ctx(), key),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(detailTypes(await changeEvents(retry.change.id))).toEqual(['ChangeCreated']);
  });

  it('refuses unknown or retired CIs and unknown incidents or problems, naming each', async () => {
    const retired = await aCi({ lifecycleState: 'retired' });
    const unknown = crypto.randomUUID();
    const refused = createChange(changeInput([retired, unknown]), ctx());
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({
      issues: [
        { field: 'affectedCis', message: `configuration item ${retired} is retired` },
        { field: 'affectedCis', message: `configuration item ${unknown} does not exist` },
      ],
    });
    const ci = await aCi();
    await expect(
      createChange(changeInput([ci], { linkedIncidents: ['INC9999999'] }), ctx()),
    ).rejects.toMatchObject({ issues: [{ field: 'linkedIncidents' }] });
    await expect(
      createChange(changeInput([ci], { linkedProblems: [crypto.randomUUID()] }), ctx()),
    ).rejects.toMatchObject({ issues: [{ field: 'linkedProblems' }] });
  });

  it('links incidents and problems named by number, storing their ids', async () => {
    const ci = await aCi();
    const incident = await anIncident();
    const { problem } = await createProblem({ shortDescription: 'Disk fills up' }, ctx());
    const change = await aChange([ci], {
      linkedIncidents: [incident.number, incident.id],
      linkedProblems: [problem.number.toLowerCase()],
    });
    expect(change).toMatchObject({ linkedIncidents: [incident.id], linkedProblems: [problem.id] });
  });

  it('makes a standard change from an active template, and none from a retired one', async () => {
    const ci = await aCi();
    const template = await aTemplate([ci]);
    const { change } = await createChange(
      { model: 'standard', templateId: template.id, assignmentGroup: 'network' },
      ctx(writingClient),
    );
    expect(change).toMatchObject({
      model: 'standard',
      templateId: template.id,
      shortDescription: template.shortDescription,
      implementationPlan: template.implementationPlan,
      backoutPlan: template.backoutPlan,
      testPlan: template.testPlan,
      affectedCis: [ci],
    });
    await updateTemplate(template.id, { active: false }, ctx(admin), () => {});
    await expect(
      createChange({ model: 'standard', templateId: template.id }, ctx()),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      createChange({ model: 'standard', templateId: crypto.randomUUID() }, ctx()),
    ).rejects.toMatchObject({ issues: [{ field: 'templateId' }] });
  });

  it('lets agents and writing clients create, and no one else', async () => {
    const ci = await aCi();
    for (const principal of [readingClient, requesterPrincipal()]) {
      await expect(createChange(changeInput([ci]), ctx(principal))).rejects.toBeInstanceOf(
        ForbiddenError,
      );
    }
  });
});

describe('reading changes', () => {
  it('finds a change by id and by number, in either case; to requesters changes do not exist', async () => {
    const change = await aChange([await aCi()]);
    for (const key of [change.id, change.number, change.number.toLowerCase()]) {
      expect(await getChangeForPrincipal(key, readingClient)).toEqual(change);
    }
    await expect(getChangeForPrincipal(change.id, requesterPrincipal())).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(getChangeForPrincipal('CHG9999999', agent)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('updating changes', () => {
  it('records the field changes and publishes ChangeUpdated; a stale version is a 412', async () => {
    const change = await aChange([await aCi()]);
    const updated = await updateChange(
      change.id,
      { category: 'database', assignee: 'dba-lead' },
      ctx(),
      ifMatch(1),
    );
    expect(updated).toMatchObject({ category: 'database', assignee: 'dba-lead', version: 2 });
    const [event] = dataOf(await changeEvents(change.id), ChangeUpdated);
    expect(event?.changes).toEqual([
      { field: 'category', old: null, new: 'database' },
      { field: 'assignee', old: null, new: 'dba-lead' },
    ]);
    await expect(
      updateChange(change.id, { category: 'other' }, ctx(), ifMatch(1)),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it('lets exactly one of several writers of one version win; the others get 412', async () => {
    const change = await aChange([await aCi()]);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, index) =>
        updateChange(change.id, { description: `Writer ${index}` }, ctx(), ifMatch(1)),
      ),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result) => result.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const result of lost) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(PreconditionFailedError);
    }
    expect((await getChangeForPrincipal(change.id, agent)).version).toBe(2);
  });

  it('replaces the CIs, checking the new ones', async () => {
    const [first, second] = [await aCi(), await aCi()];
    const change = await aChange([first]);
    const retired = await aCi({ lifecycleState: 'retired' });
    await expect(
      updateChange(change.id, { affectedCis: [first, retired] }, ctx(), ifMatch(1)),
    ).rejects.toMatchObject({ issues: [{ field: 'affectedCis' }] });
    const updated = await updateChange(change.id, { affectedCis: [second] }, ctx(), ifMatch(1));
    expect(updated.affectedCis).toEqual([second]);
  });

  it('fixes what was authorized from Authorize on (409)', async () => {
    const change = await aChange([await aCi({ ownerGroup: 'dba' })], { model: 'emergency' });
    const submitted = await transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
    expect(submitted.state).toBe('Authorize');
    await expect(
      updateChange(change.id, { testPlan: 'Another test' }, ctx(), ifMatch(submitted.version)),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('work notes and history', () => {
  it('adds work notes in order, each a revision, and refuses them on a closed change', async () => {
    const change = await aChange([await aCi()]);
    await addComment(change.id, 'Checked with the vendor', ctx());
    await addComment(change.id, 'Backup verified', ctx(writingClient));
    const notes = await listChangeComments(change.id, firstPage, readingClient);
    expect(notes.items.map((note) => [note.body, note.visibility, note.author])).toEqual([
      ['Checked with the vendor', 'internal', agent.id],
      ['Backup verified', 'internal', writingClient.id],
    ]);
    const history = await listChangeHistory(change.id, firstPage, agent);
    expect(history.items.map((entry) => [entry.version, entry.action])).toEqual([
      [1, 'create'],
      [2, 'work-note'],
      [3, 'work-note'],
    ]);
    await transitionChange(change.id, { action: 'cancel', reason: 'Not needed' }, ctx());
    await expect(addComment(change.id, 'Too late', ctx())).rejects.toBeInstanceOf(ConflictError);
  });

  it('writes a work note once per Idempotency-Key, concurrent retries included', async () => {
    const change = await aChange([await aCi()]);
    const key = crypto.randomUUID();
    const attempts = await Promise.all(
      [1, 2, 3].map(() => addComment(change.number, 'Backup verified', ctx(), key)),
    );
    const [first] = attempts;
    expect(attempts.map((attempt) => attempt.comment)).toEqual([0, 1, 2].map(() => first?.comment));
    expect(attempts.filter((attempt) => !attempt.replayed)).toHaveLength(1);
    const notes = await listChangeComments(change.id, firstPage, agent);
    expect(notes.items).toHaveLength(1);
    await expect(addComment(change.number, 'Something else', ctx(), key)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it('pages through history with a cursor', async () => {
    const change = await aChange([await aCi()]);
    for (const text of ['one', 'two', 'three']) await addComment(change.id, text, ctx());
    const first = await listChangeHistory(change.id, { limit: 2, cursor: null }, agent);
    expect(first.items.map((entry) => entry.version)).toEqual([1, 2]);
    const second = await listChangeHistory(change.id, { limit: 2, cursor: first.cursor }, agent);
    expect(second.items.map((entry) => entry.version)).toEqual([3, 4]);
  });
});
