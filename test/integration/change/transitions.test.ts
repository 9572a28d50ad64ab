import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('./environment'));

import { createBlackoutWindow } from '../../../functions/change/catalog';
import {
  type ApprovalDecisionRecord,
  type Change,
  ScheduleBlockedError,
} from '../../../functions/change/domain';
import {
  createChange,
  recordAuthorization,
  transitionChange,
} from '../../../functions/change/use-cases';
import {
  ConflictError,
  ForbiddenError,
  InvalidTransitionError,
  ValidationError,
} from '../../../shared/errors';
import {
  ChangeApproved,
  ChangeRejected,
  ChangeStateChanged,
  ChangeSubmittedForAuthorization,
} from '../../../shared/events/changes';
import {
  aChange,
  aCi,
  admin,
  aSaturdayNight,
  aTemplate,
  changeEvents,
  ctx,
  dataOf,
  detailTypes,
  relate,
  windowAt,
  writingClient,
} from './support';

function aDecision(
  change: Change,
  outcome: ApprovalDecisionRecord['outcome'],
): ApprovalDecisionRecord {
  return {
    planId: change.approvalPlanId as string,
    outcome,
    decidedAt: new Date().toISOString(),
    timedOut: false,
    reasons: [outcome === 'approved' ? 'Approved by cab-1.' : 'Rejected by cab-1: too risky'],
    votes: [
      {
        approvalId: 'approval-1',
        approverId: 'cab-1',
        castBy: 'cab-1',
        vote: outcome === 'approved' ? 'approve' : 'reject',
        ...(outcome === 'rejected' ? { comment: 'too risky' } : {}),
        castAt: new Date().toISOString(),
      },
    ],
  };
}

/** A standard change on `ci`, taken through to Closed with `outcome`. */
async function aClosedStandardChange(ci: string, outcome: 'successful' | 'failed') {
  const template = await aTemplate([ci]);
  const window = windowAt(aSaturdayNight(), 0, 2);
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
  await transitionChange(change.id, { action: 'schedule' }, ctx());
  await transitionChange(change.id, { action: 'implement' }, ctx());
  await transitionChange(
    change.id,
    outcome === 'failed'
      ? { action: 'review', outcome, outcomeNotes: 'Rolled forward by hand' }
      : { action: 'review', outcome },
    ctx(),
  );
  return transitionChange(change.id, { action: 'close' }, ctx());
}

const factor = (change: Change, name: string) =>
  change.risk?.reasons.find((reason) => reason.factor === name)?.points;

describe('the normal change: assess, request authorization, the decision', () => {
  it('assesses risk from criticality, blast radius, window, model and past failures, and submits with a CAB plan', async () => {
    const app = await aCi({ criticality: 2, ownerGroup: 'dba' });
    const service = await aCi({ ciClass: 'service', criticality: 1 });
    await relate(service, 'depends_on', app);
    for (const outcome of ['failed', 'failed', 'failed', 'successful', 'successful'] as const) {
      await aClosedStandardChange(app, outcome);
    }
    const change = await aChange([app]);

    const assessed = await transitionChange(change.id, { action: 'assess' }, ctx());
    expect(assessed.state).toBe('Assess');
    expect(assessed.risk).toMatchObject({ score: 55, level: 'high', approvalPath: 'cab' });
    expect(factor(assessed, 'ci-criticality')).toBe(20);
    expect(factor(assessed, 'blast-radius')).toBe(10);
    expect(factor(assessed, 'business-hours')).toBe(0);
    expect(factor(assessed, 'failure-rate')).toBe(20);

    const submitted = await transitionChange(
      change.id,
      { action: 'requestAuthorization', comment: 'Ready for the CAB' },
      ctx(),
    );
    expect(submitted).toMatchObject({ state: 'Authorize', submittedAt: expect.any(String) });
    const events = await changeEvents(change.id);
    expect(detailTypes(events)).toEqual([
      'ChangeCreated',
      'ChangeStateChanged',
      'ChangeStateChanged',
      'ChangeSubmittedForAuthorization',
    ]);
    const [submission] = dataOf(events, ChangeSubmittedForAuthorization);
    expect(submission?.change).toEqual(submitted);
    expect(submission?.plan).toMatchObject({
      planId: submitted.approvalPlanId,
      changeId: change.id,
      path: 'cab',
      policy: { rule: { kind: 'percentage', percent: 50 } },
    });
    expect(submission?.plan.approvers.map((approver) => approver.approverId).sort()).toEqual([
      'cab-1',
      'cab-2',
      'cab-3',
      'dba-deputy',
      'dba-lead',
    ]);
    expect(dataOf(events, ChangeStateChanged).at(-1)).toMatchObject({
      action: 'requestAuthorization',
      from: 'Assess',
      to: 'Authorize',
    });
  });

  it('records an approval once: Scheduled, the decision on the change, ChangeApproved', async () => {
    const change = await aChange([await aCi({ criticality: 4, ownerGroup: 'dba' })]);
    await transitionChange(change.id, { action: 'assess' }, ctx());
    const submitted = await transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
    expect(submitted.risk?.approvalPath).toBe('ci-owners');
    const decision = aDecision(submitted, 'approved');

    const approved = await recordAuthorization(
      change.id,
      decision.planId,
      decision,
      new Date().toISOString(),
    );
    expect(approved).toMatchObject({ state: 'Scheduled', approval: decision });
    const again = await recordAuthorization(
      change.id,
      decision.planId,
      decision,
      new Date().toISOString(),
    );
    expect(again).toEqual(approved);
    const events = await changeEvents(change.id);
    expect(detailTypes(events).slice(-2)).toEqual(['ChangeStateChanged', 'ChangeApproved']);
    expect(dataOf(events, ChangeApproved)).toEqual([{ change: approved, decision }]);
    expect(events.at(-1)?.detail).toMatchObject({ metadata: { actor: { kind: 'system' } } });
  });

  it('records a rejection once: back to New with the reasons, ChangeRejected', async () => {
    const change = await aChange([await aCi({ criticality: 4, ownerGroup: 'dba' })], {
      model: 'emergency',
    });
    const submitted = await transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
    const decision = aDecision(submitted, 'rejected');
    const now = new Date().toISOString();
    const rejected = await recordAuthorization(change.id, decision.planId, decision, now);
    expect(rejected).toMatchObject({ state: 'New', approval: { outcome: 'rejected' } });
    await recordAuthorization(change.id, decision.planId, decision, now);
    const events = await changeEvents(change.id);
    expect(dataOf(events, ChangeRejected)).toEqual([{ change: rejected, decision }]);
    expect(detailTypes(events).filter((type) => type === 'ChangeStateChanged')).toHaveLength(2);
  });

  it('refuses a decision for another plan, and one on a change no longer under authorization', async () => {
    const change = await aChange([await aCi({ ownerGroup: 'dba' })], { model: 'emergency' });
    const submitted = await transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
    const stale = { ...aDecision(submitted, 'approved'), planId: 'another-plan' };
    await expect(
      recordAuthorization(change.id, stale.planId, stale, new Date().toISOString()),
    ).rejects.toBeInstanceOf(ConflictError);
    const decision = aDecision(submitted, 'approved');
    await expect(
      recordAuthorization(change.id, 'another-plan', decision, new Date().toISOString()),
    ).rejects.toBeInstanceOf(ValidationError);
    await transitionChange(change.id, { action: 'cancel', reason: 'Superseded' }, ctx());
    await expect(
      recordAuthorization(change.id, decision.planId, decision, new Date().toISOString()),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
  });

  it('leaves approve and reject to the workflow (403) and refuses a plan with no approver (409)', async () => {
    const change = await aChange([await aCi({ criticality: 4, ownerGroup: 'nobody' })]);
    await expect(
      transitionChange(change.id, { action: 'approve' }, ctx(admin)),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await transitionChange(change.id, { action: 'assess' }, ctx());
    await expect(
      transitionChange(change.id, { action: 'requestAuthorization' }, ctx()),
    ).rejects.toThrow(/No one may approve/);
  });

  it('answers an action the state does not allow with the allowed actions', async () => {
    const change = await aChange([await aCi()]);
    const refused = transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
    await expect(refused).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(refused).rejects.toMatchObject({ allowedActions: ['assess', 'cancel'] });
  });
});

describe('the standard and emergency changes', () => {
  it('takes a standard change from New through Scheduled to Closed, with its outcome', async () => {
    const closed = await aClosedStandardChange(await aCi(), 'failed');
    expect(closed).toMatchObject({
      state: 'Closed',
      outcome: 'failed',
      outcomeNotes: 'Rolled forward by hand',
      closedAt: expect.any(String),
    });
    const transitions = dataOf(await changeEvents(closed.id), ChangeStateChanged);
    expect(transitions.map((event) => [event.action, event.from, event.to])).toEqual([
      ['schedule', 'New', 'Scheduled'],
      ['implement', 'Scheduled', 'Implement'],
      ['review', 'Implement', 'Review'],
      ['close', 'Review', 'Closed'],
    ]);
  });

  it('cancels up to and including Implement, and not after', async () => {
    const ci = await aCi();
    const template = await aTemplate([ci]);
    const window = windowAt(aSaturdayNight(), 0, 2);
    const { change } = await createChange(
      {
        model: 'standard',
        templateId: template.id,
        plannedStart: window.start,
        plannedEnd: window.end,
        assignmentGroup: 'network',
      },
      ctx(),
    );
    await transitionChange(change.id, { action: 'schedule' }, ctx());
    await transitionChange(change.id, { action: 'implement' }, ctx());
    const canceled = await transitionChange(
      change.id,
      { action: 'cancel', reason: 'The vendor withdrew the fix' },
      ctx(),
    );
    expect(canceled).toMatchObject({
      state: 'Canceled',
      cancelReason: 'The vendor withdrew the fix',
    });

    const reviewed = await aClosedStandardChange(ci, 'successful');
    await expect(
      transitionChange(reviewed.id, { action: 'cancel', reason: 'Too late' }, ctx()),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
  });

  it('submits an emergency change from New to the emergency CAB', async () => {
    const change = await aChange([await aCi({ criticality: 1, ownerGroup: 'dba' })], {
      model: 'emergency',
      testPlan: undefined,
    });
    await transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
    const [submission] = dataOf(await changeEvents(change.id), ChangeSubmittedForAuthorization);
    expect(submission?.plan).toMatchObject({ path: 'emergency-cab' });
    expect(submission?.plan.approvers.map((approver) => approver.approverId)).toEqual([
      'ecab-1',
      'ecab-2',
    ]);
  });
});

describe('blackout windows', () => {
  async function aBlackoutOver(change: Change, scope: 'cis' | 'all' = 'cis') {
    const { blackout } = await createBlackoutWindow(
      {
        name: 'Quarter-end freeze',
        start: change.plannedStart as string,
        end: change.plannedEnd as string,
        scope: scope === 'all' ? { kind: 'all' } : { kind: 'cis', cis: change.affectedCis },
      },
      ctx(admin),
    );
    return blackout;
  }

  it('refuses to submit a normal change in a blackout, listing the conflicts (409)', async () => {
    const change = await aChange([await aCi({ ownerGroup: 'dba' })]);
    const blackout = await aBlackoutOver(change);
    await transitionChange(change.id, { action: 'assess' }, ctx());
    const refused = transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
    await expect(refused).rejects.toBeInstanceOf(ScheduleBlockedError);
    await expect(refused).rejects.toMatchObject({
      conflicts: [{ kind: 'blackout', blackout: { id: blackout.id, name: 'Quarter-end freeze' } }],
    });
  });

  it('refuses to schedule a standard change in a blackout', async () => {
    const ci = await aCi();
    const template = await aTemplate([ci]);
    const window = windowAt(aSaturdayNight(), 0, 2);
    const { change } = await createChange(
      {
        model: 'standard',
        templateId: template.id,
        plannedStart: window.start,
        plannedEnd: window.end,
        assignmentGroup: 'network',
      },
      ctx(),
    );
    await aBlackoutOver(change);
    await expect(transitionChange(change.id, { action: 'schedule' }, ctx())).rejects.toBeInstanceOf(
      ScheduleBlockedError,
    );
  });

  it('lets an emergency change override a blackout with a reason, and records the override', async () => {
    const change = await aChange([await aCi({ ownerGroup: 'dba' })], { model: 'emergency' });
    const blackout = await aBlackoutOver(change, 'all');
    await expect(
      transitionChange(change.id, { action: 'requestAuthorization' }, ctx()),
    ).rejects.toBeInstanceOf(ScheduleBlockedError);
    const submitted = await transitionChange(
      change.id,
      { action: 'requestAuthorization', overrideReason: 'The payment service is down' },
      ctx(),
    );
    expect(submitted).toMatchObject({
      state: 'Authorize',
      conflictOverride: {
        overriddenBy: 'agent-1',
        reason: 'The payment service is down',
        conflicts: [{ kind: 'blackout', blackout: { id: blackout.id } }],
      },
    });
    expect(factor(submitted, 'blackout')).toBe(20);
    const decision = aDecision(submitted, 'approved');
    const approved = await recordAuthorization(
      change.id,
      decision.planId,
      decision,
      new Date().toISOString(),
    );
    expect(approved).toMatchObject({
      state: 'Scheduled',
      conflictOverride: submitted.conflictOverride,
    });
  });

  it('turns an approval into a rejection when a blackout appeared during authorization', async () => {
    const change = await aChange([await aCi({ criticality: 4, ownerGroup: 'dba' })]);
    await transitionChange(change.id, { action: 'assess' }, ctx());
    const submitted = await transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
    await aBlackoutOver(change);
    const decision = aDecision(submitted, 'approved');
    const refused = await recordAuthorization(
      change.id,
      decision.planId,
      decision,
      new Date().toISOString(),
    );
    expect(refused).toMatchObject({ state: 'New', approval: { outcome: 'rejected' } });
    expect(refused.approval?.reasons).toContain(
      'Approved, but the window can no longer be scheduled:',
    );
    const events = await changeEvents(change.id);
    expect(detailTypes(events).at(-1)).toBe('ChangeRejected');
    expect(dataOf(events, ChangeApproved)).toEqual([]);
  });
});
