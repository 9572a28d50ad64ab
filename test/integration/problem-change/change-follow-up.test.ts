import { describe, expect, it } from 'vitest';
import { handler } from '../../../functions/problem/change-follow-up';
import { getProblem, listComments } from '../../../functions/problem/repository';
import type { ChangeOutcome, ChangeSnapshot } from '../../../shared/events/changes';
import { ChangeStateChanged } from '../../../shared/events/changes';
import { domainEvent } from '../../../shared/events/domain-event';
import { aProblem } from '../problem/support';

const NOW = new Date().toISOString();

function aClosedChange(linkedProblems: string[], outcome: ChangeOutcome): ChangeSnapshot {
  return {
    id: crypto.randomUUID(),
    number: 'CHG0001042',
    model: 'normal',
    shortDescription: 'Enlarge the relay queue disk',
    state: 'Closed',
    affectedCis: [],
    linkedProblems,
    linkedIncidents: [],
    outcome,
    outcomeNotes: 'Done in the window.',
    openedBy: 'agent-1',
    createdAt: NOW,
    updatedAt: NOW,
    closedAt: NOW,
    version: 9,
  };
}

/** An SQS batch around the change's ChangeStateChanged event, as the rule delivers it. */
function batchOf(change: ChangeSnapshot, ...extraBodies: string[]) {
  const event = domainEvent(
    ChangeStateChanged,
    {
      aggregateId: change.id,
      sequence: change.version,
      actor: { id: 'agent-1', kind: 'user', role: 'agent' },
      occurredAt: NOW,
    },
    { change, action: 'close', from: 'Review', to: 'Closed' },
  );
  const bodies = [
    JSON.stringify({ 'detail-type': event.detailType, detail: JSON.parse(event.detail) }),
    ...extraBodies,
  ];
  return {
    Records: bodies.map((body, index) => ({ messageId: `m-${index}`, body })),
  } as unknown as Parameters<typeof handler>[0];
}

const run = (batch: ReturnType<typeof batchOf>) =>
  handler(batch, { awsRequestId: 'test' } as Parameters<typeof handler>[1]) as Promise<{
    batchItemFailures: Array<{ itemIdentifier: string }>;
  }>;

describe('problems follow the changes linked to them', () => {
  it('a successful close resolves the problems with a fix in progress or a documented cause (Fix Applied, pending verification) once, notes the others once, and reports poison records alone', async () => {
    const fixing = await aProblem('Fix in Progress');
    const analysing = await aProblem('Root Cause Analysis', {
      rootCause: 'The queue disk is small',
    });
    const fresh = await aProblem('New');
    const change = aClosedChange([fixing.id, analysing.id, fresh.id], 'successful');

    for (let delivery = 0; delivery < 2; delivery++) {
      const result = await run(batchOf(change, '{"not":"an event"}'));
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    }

    for (const resolved of [fixing, analysing]) {
      expect(await getProblem(resolved.id)).toMatchObject({
        state: 'Resolved',
        resolutionCode: 'Fix Applied',
        resolutionNotes: expect.stringContaining('CHG0001042'),
      });
    }
    expect(await getProblem(fresh.id)).toMatchObject({ state: 'New' });
    const notes = await listComments(fresh.id, { limit: 10 });
    expect(notes.items.map((note) => note.body)).toEqual([
      expect.stringContaining('CHG0001042 implemented a fix successfully'),
    ]);
  });

  it('a failed change only notes the problem, since its fix is not in place', async () => {
    const fixing = await aProblem('Fix in Progress');
    await run(batchOf(aClosedChange([fixing.id], 'failed')));
    const stored = await getProblem(fixing.id);
    expect(stored).toMatchObject({ state: 'Fix in Progress' });
    const notes = await listComments(fixing.id, { limit: 10 });
    expect(notes.items.map((note) => note.body)).toEqual([
      expect.stringContaining('its fix is not in place'),
    ]);
  });
});
