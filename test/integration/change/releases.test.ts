import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('./environment'));

import type { Change } from '../../../functions/change/domain';
import {
  addReleaseChanges,
  createRelease,
  getReleaseForPrincipal,
  listReleaseHistory,
  listReleases,
  type NewReleaseInput,
  removeReleaseChange,
  updateRelease,
} from '../../../functions/change/release-use-cases';
import { createChange, transitionChange } from '../../../functions/change/use-cases';
import {
  ForbiddenError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../../shared/errors';
import {
  aChange,
  aCi,
  aSaturdayNight,
  aTemplate,
  ctx,
  firstPage,
  readingClient,
  requesterPrincipal,
  uniqueName,
  windowAt,
  writingClient,
} from './support';

/** A standard change on a CI of its own, Scheduled for [base, base + 2 h). */
async function aScheduledChange(base: number): Promise<Change> {
  const ci = await aCi();
  const template = await aTemplate([ci]);
  const window = windowAt(base, 0, 2);
  const { change } = await createChange(
    {
      model: 'standard',
      templateId: template.id,
      plannedStart: window.start,
      plannedEnd: window.end,
      assignmentGroup: 'network',
    },
    ctx(writingClient),
  );
  return transitionChange(change.id, { action: 'schedule' }, ctx());
}

function releaseInput(base: number, changes: string[] = []): NewReleaseInput {
  const target = windowAt(base, -1, 6);
  return {
    name: uniqueName('release'),
    targetStart: target.start,
    targetEnd: target.end,
    changes,
  };
}

describe('releases', () => {
  it('groups changes named by id or number, and is found by id or by number (RLS)', async () => {
    const base = aSaturdayNight();
    const [first, second] = await Promise.all([aScheduledChange(base), aScheduledChange(base)]);
    const { release, replayed } = await createRelease(
      { ...releaseInput(base, [first.id, second.number.toLowerCase()]), description: 'Q3 batch' },
      ctx(),
    );

    expect(replayed).toBe(false);
    expect(release.number).toMatch(/^RLS\d{7}$/);
    expect(release.changeIds).toEqual([first.id, second.id]);
    expect(release.changes.map((member) => member.number)).toEqual([first.number, second.number]);
    expect(release.status).toMatchObject({
      state: 'planned',
      missing: [],
      outsideTargetWindow: [],
    });
    expect(await getReleaseForPrincipal(release.number, readingClient)).toEqual(release);
    expect(await getReleaseForPrincipal(release.id, readingClient)).toEqual(release);
  });

  it('follows its changes: in progress, deployed once all are implemented, needs attention on a failure', async () => {
    const base = aSaturdayNight();
    const [first, second] = await Promise.all([aScheduledChange(base), aScheduledChange(base)]);
    const { release } = await createRelease(releaseInput(base, [first.id, second.id]), ctx());
    const stateOf = async () => (await getReleaseForPrincipal(release.id, readingClient)).status;

    await transitionChange(first.id, { action: 'implement' }, ctx());
    expect((await stateOf()).state).toBe('in-progress');

    await transitionChange(first.id, { action: 'review', outcome: 'successful' }, ctx());
    await transitionChange(second.id, { action: 'implement' }, ctx());
    await transitionChange(second.id, { action: 'review', outcome: 'successful' }, ctx());
    expect(await stateOf()).toMatchObject({ state: 'deployed' });

    const third = await aScheduledChange(base);
    await addReleaseChanges(release.id, [third.number], ctx());
    await transitionChange(third.id, { action: 'implement' }, ctx());
    await transitionChange(
      third.id,
      { action: 'review', outcome: 'backed-out', outcomeNotes: 'The smoke tests failed' },
      ctx(),
    );
    const status = await stateOf();
    expect(status.state).toBe('needs-attention');
    expect(status.reasons.join(' ')).toContain(third.number);
  });

  it('reports changes planned outside the target window without refusing them', async () => {
    const base = aSaturdayNight();
    const late = await aScheduledChange(base + 24 * 60 * 60 * 1000);
    const { release } = await createRelease(releaseInput(base, [late.id]), ctx());
    expect(release.status.outsideTargetWindow).toEqual([late.id]);
  });

  it('refuses unknown changes, naming each', async () => {
    const base = aSaturdayNight();
    const attempt = createRelease(releaseInput(base, ['CHG9999999', 'no-such-change']), ctx());
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({
      issues: [
        { field: 'changes', message: 'change CHG9999999 does not exist' },
        { field: 'changes', message: 'change no-such-change does not exist' },
      ],
    });
  });

  it('returns the first release for a repeated Idempotency-Key, and refuses the key for another body', async () => {
    const input = releaseInput(aSaturdayNight());
    const key = crypto.randomUUID();
    const first = await createRelease(input, ctx(), key);
    const again = await createRelease(input, ctx(), key);
    expect(again.replayed).toBe(true);
    expect(again.release.id).toBe(first.release.id);
    await expect(
      createRelease({ ...input, name: uniqueName('other') }, ctx(), key),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('updates with a version check, adds and removes changes, and keeps the history', async () => {
    const base = aSaturdayNight();
    const change = await aScheduledChange(base);
    const { release } = await createRelease(releaseInput(base), ctx());

    const stale = (current: { version: number }) => {
      if (current.version !== release.version - 1) throw new PreconditionFailedError('stale');
    };
    await expect(
      updateRelease(release.id, { name: 'renamed' }, ctx(), stale),
    ).rejects.toBeInstanceOf(PreconditionFailedError);

    const later = windowAt(base, 0, 12);
    const renamed = await updateRelease(
      release.id,
      { name: 'Weekend release', targetEnd: later.end, description: 'all of it' },
      ctx(),
      () => undefined,
    );
    expect(renamed).toMatchObject({ name: 'Weekend release', targetEnd: later.end, version: 2 });
    const cleared = await updateRelease(release.id, { description: null }, ctx(), () => undefined);
    expect(cleared.description).toBeUndefined();

    const added = await addReleaseChanges(release.id, [change.id, change.number], ctx());
    expect(added.changeIds).toEqual([change.id]);
    const unchanged = await addReleaseChanges(release.id, [change.id], ctx());
    expect(unchanged.version).toBe(added.version);

    const removed = await removeReleaseChange(release.number, change.number, ctx());
    expect(removed.changeIds).toEqual([]);
    await expect(removeReleaseChange(release.id, change.id, ctx())).rejects.toBeInstanceOf(
      NotFoundError,
    );

    const history = await listReleaseHistory(release.id, firstPage, readingClient);
    expect(history.items.map((entry) => entry.action)).toEqual([
      'create',
      'update',
      'update',
      'add-changes',
      'remove-change',
    ]);
    expect(history.items[1]?.changes.map((change) => change.field).sort()).toEqual([
      'description',
      'name',
      'targetEnd',
    ]);
  });

  it('lists releases newest first, a page at a time', async () => {
    const base = aSaturdayNight();
    const created: string[] = [];
    for (let index = 0; index < 3; index++) {
      created.push((await createRelease(releaseInput(base), ctx())).release.id);
    }
    const first = await listReleases({ limit: 2, cursor: null }, readingClient);
    expect(first.items).toHaveLength(2);
    expect(first.cursor).not.toBeNull();
    const second = await listReleases({ limit: 100, cursor: first.cursor }, readingClient);
    const listed = [...first.items, ...second.items].map((release) => release.id);
    const ours = listed.filter((id) => created.includes(id));
    expect(ours).toEqual([...created].reverse());
  });

  it('is hidden from requesters and read-only for changes.read clients', async () => {
    const base = aSaturdayNight();
    const { release } = await createRelease(releaseInput(base), ctx());
    await expect(getReleaseForPrincipal(release.id, requesterPrincipal())).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(createRelease(releaseInput(base), ctx(readingClient))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(
      addReleaseChanges(release.id, [(await aChange([await aCi()])).id], ctx(readingClient)),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
