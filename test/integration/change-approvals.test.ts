import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeApprovalReminderDue } from '../../shared/events/change-approvals';
import {
  ChangeApproved,
  ChangeRejected,
  type ChangeSnapshot,
  ChangeSubmittedForAuthorization,
} from '../../shared/events/changes';
import {
  APPROVERS,
  ApprovalsRuntime,
  type ChangeApprovals,
  type Delegation,
  type DelegationList,
  eventually,
  expectStatus,
  nightWindow,
  statesEntered,
  stateTransitions,
  type Window,
  windowIn,
} from './change-approvals-runtime';

// The synthesized approval state machine in the local runtime, end to end: changes submitted
// through the API, votes through the API, time scaled down a thousandfold (a day's deadline
// passes in 86 s, an hour in 3.6 s).
const TIME_SCALE = 0.001;

let env: ApprovalsRuntime;

beforeAll(async () => {
  env = await ApprovalsRuntime.start({ timeScale: TIME_SCALE });
}, 240_000);

afterAll(async () => {
  await env?.stop();
});

const [alice, bob] = APPROVERS.ownerMembers;
const [erin, frank] = APPROVERS.emergencyMembers;

/** A normal change of a CI of the owners, submitted, with its approvals open and waiting. */
async function normalChange(window: Window = nightWindow(7)) {
  const ci = await env.ci();
  const change = await env.submittedChange({ model: 'normal', ci, window });
  const execution = await env.execution(change.id);
  await env.waiting(execution, 2);
  const approvals = await env.openedApprovals(change.id);
  return {
    ci,
    change,
    execution,
    approvals,
    approvalOf: (approverId: string) => env.approvalOf(approvals, approverId),
  };
}

async function blackout(ci: string, window: Window): Promise<void> {
  const response = await env.api(
    'POST',
    '/blackout-windows',
    { role: 'admin' },
    {
      name: 'Quarter-end freeze',
      start: window.plannedStart,
      end: window.plannedEnd,
      scope: { kind: 'cis', cis: [ci] },
    },
  );
  expectStatus(response, 201);
}

describe('a normal change with two approvers under "all"', () => {
  it('is Scheduled once both approve, and ChangeApproved is published', async () => {
    const { change, execution, approvals, approvalOf } = await normalChange();
    expect(change.state).toBe('Authorize');
    expect(approvals).toMatchObject({
      changeId: change.id,
      planId: change.approvalPlanId,
      path: 'ci-owners',
      status: 'pending',
      recorded: false,
    });
    expect(approvals.approvals.map((approval) => approval.approverId).sort()).toEqual([alice, bob]);

    const first = await env.vote(change.id, approvalOf(alice), alice, 'approve');
    expectStatus(first, 200);
    expect(first.body.status).toBe('pending');
    const second = await env.vote(change.id, approvalOf(bob), bob, 'approve', 'Fine by me.');
    expectStatus(second, 200);
    expect(second.body.status).toBe('approved');

    const decided = await env.decided(change.id);
    expect(decided).toMatchObject({
      state: 'Scheduled',
      approval: { planId: change.approvalPlanId, outcome: 'approved', timedOut: false },
    });
    const [approved, ...more] = await env.publishedFor(ChangeApproved, change.id);
    expect(more).toEqual([]);
    expect(approved?.data.decision.votes).toEqual([
      expect.objectContaining({ approverId: alice, castBy: alice, vote: 'approve' }),
      expect.objectContaining({ approverId: bob, vote: 'approve', comment: 'Fine by me.' }),
    ]);
    expect((await env.finished(execution)).status).toBe('SUCCEEDED');
    const byNumber = await env.api<ChangeApprovals>('GET', `/changes/${change.number}/approvals`, {
      role: 'agent',
    });
    expectStatus(byNumber, 200);
    expect(byNumber.body).toMatchObject({
      changeId: change.id,
      status: 'approved',
      recorded: true,
    });
  });

  it('costs 9 state transitions, the deciding vote ending the waiting of the other', async () => {
    const { change, execution, approvalOf } = await normalChange();
    await env.vote(change.id, approvalOf(alice), alice, 'approve');
    await env.waiting(execution, 3);
    await env.vote(change.id, approvalOf(bob), bob, 'approve');
    await env.finished(execution);

    const history = await env.history(execution);
    expect(statesEntered(history).sort()).toEqual(
      [
        'OpenApprovals',
        'AwaitDecision',
        'Approvals',
        'UntilReminder',
        'AwaitVote',
        'AwaitVote',
        'AwaitNextVote',
        'ApprovalEnded',
        'RecordDecision',
      ].sort(),
    );
    expect(stateTransitions(history)).toBe(9);
    const failed = history.filter((event) => event.type === 'TaskFailed');
    expect(failed.map((event) => event.taskFailedEventDetails?.error)).toEqual([
      'ApprovalDecidedError',
    ]);
  });

  it('lets an approver change their vote until the decision: the last vote counts', async () => {
    const { change, execution, approvalOf } = await normalChange();
    const rejected = await env.vote(change.id, approvalOf(alice), alice, 'reject', 'Not now.');
    expect(rejected.body.status).toBe('pending');
    // Her approval waits again, with a new token.
    await env.waiting(execution, 3);
    const changed = await env.vote(
      change.id,
      approvalOf(alice),
      alice,
      'approve',
      'On second thought.',
    );
    expectStatus(changed, 200);
    expect(changed.body.approvals.find((approval) => approval.approverId === alice)).toMatchObject({
      vote: 'approve',
      comment: 'On second thought.',
      votes: [
        expect.objectContaining({ vote: 'reject' }),
        expect.objectContaining({ vote: 'approve' }),
      ],
    });
    await env.vote(change.id, approvalOf(bob), bob, 'approve');

    const decided = await env.decided(change.id);
    expect(decided.state).toBe('Scheduled');
    expect(decided.approval?.votes).toContainEqual(
      expect.objectContaining({ approverId: alice, vote: 'approve' }),
    );
    await env.finished(execution);
    const waits = statesEntered(await env.history(execution)).filter(
      (state) => state.startsWith('Await') && state !== 'AwaitDecision',
    );
    // One wait per approval, and one more after each of Alice's two votes.
    expect(waits).toHaveLength(4);

    const late = await env.vote(change.id, approvalOf(alice), alice, 'reject', 'Too late?');
    expect(late.status).toBe(409);
  });

  it("takes a delegate's vote, and refuses anyone else's with 403", async () => {
    const { change, approvalOf } = await normalChange();
    const delegation = await env.api<Delegation>(
      'POST',
      '/approval-delegations',
      { role: 'agent', sub: alice },
      {
        delegate: 'grace',
        to: new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString(),
        reason: 'On leave',
      },
    );
    expectStatus(delegation, 201);
    expect(delegation.body).toMatchObject({
      delegator: alice,
      delegate: 'grace',
      status: 'active',
    });

    const stranger = await env.vote(change.id, approvalOf(bob), 'mallory', 'approve');
    expect(stranger.status).toBe(403);
    expect(stranger.headers.get('content-type')).toMatch(/problem\+json/);
    const notTheirs = await env.vote(change.id, approvalOf(bob), 'grace', 'approve');
    expect(notTheirs.status).toBe(403);
    const unknown = await env.vote(change.id, 'no-such-approval', alice, 'approve');
    expect(unknown.status).toBe(404);

    // The delegate, a requester who may not see changes, sees the approvals they answer for.
    const seen = await env.api('GET', `/changes/${change.id}/approvals`, {
      role: 'requester',
      sub: 'grace',
    });
    expectStatus(seen, 200);
    const hidden = await env.api('GET', `/changes/${change.id}/approvals`, {
      role: 'requester',
      sub: 'mallory',
    });
    expect(hidden.status).toBe(404);
    const byDelegate = await env.vote(change.id, approvalOf(alice), 'grace', 'approve');
    expectStatus(byDelegate, 200);
    await env.vote(change.id, approvalOf(bob), bob, 'approve');

    const decided = await env.decided(change.id);
    expect(decided.state).toBe('Scheduled');
    expect(decided.approval?.votes).toContainEqual(
      expect.objectContaining({ approverId: alice, castBy: 'grace', vote: 'approve' }),
    );
    const listed = await env.api<DelegationList>('GET', '/approval-delegations', {
      role: 'requester',
      sub: 'grace',
    });
    expect(listed.body.received).toContainEqual(
      expect.objectContaining({ id: delegation.body.id, delegator: alice }),
    );
  });

  it('rejects on timeout, after reminding those who have not voted', async () => {
    // The deadline is the planned start, 2 hours (7.2 s) away; the reminder an hour before.
    const { change, execution, approvalOf } = await normalChange(windowIn(2));
    await env.vote(change.id, approvalOf(alice), alice, 'approve');

    const [reminder] = await env.publishedFor(ChangeApprovalReminderDue, change.id);
    expect(reminder?.data).toMatchObject({
      changeNumber: change.number,
      planId: change.approvalPlanId,
      awaiting: [expect.objectContaining({ approverId: bob })],
    });
    expect(reminder?.data.awaiting).toHaveLength(1);
    expect((await env.change(change.id)).state).toBe('Authorize');

    const decided = await env.decided(change.id);
    expect(decided).toMatchObject({
      state: 'New',
      approval: { outcome: 'rejected', timedOut: true },
    });
    expect(decided.approval?.reasons.join(' ')).toContain(`No response from ${bob}`);
    const [rejected] = await env.publishedFor(ChangeRejected, change.id);
    expect(rejected?.data.decision.timedOut).toBe(true);
    expect(Date.parse(reminder?.metadata.occurredAt ?? '')).toBeLessThan(
      Date.parse(rejected?.metadata.occurredAt ?? ''),
    );
    await env.finished(execution);
    const history = await env.history(execution);
    expect(statesEntered(history)).toContain('DeadlineReached');
    // 8 + N + v (docs/changes.md): two approvers, one vote that did not decide.
    expect(stateTransitions(history)).toBe(11);
    const late = await env.vote(change.id, approvalOf(bob), bob, 'approve');
    expect(late.status).toBe(409);
  }, 60_000);

  it('returns to New when a blackout now covers its window, though approved', async () => {
    const window = nightWindow(9);
    const { ci, change, approvalOf } = await normalChange(window);
    await blackout(ci, window);
    await env.vote(change.id, approvalOf(alice), alice, 'approve');
    await env.vote(change.id, approvalOf(bob), bob, 'approve');

    const decided = await env.decided(change.id);
    expect(decided).toMatchObject({ state: 'New', approval: { outcome: 'rejected' } });
    expect(decided.approval?.reasons.join(' ')).toMatch(/can no longer be scheduled/);
    await env.publishedFor(ChangeRejected, change.id);
  });
});

describe('an emergency change', () => {
  it('is rejected at once by one rejection, which needs a reason', async () => {
    const ci = await env.ci();
    const change = await env.submittedChange({ model: 'emergency', ci, window: windowIn(5) });
    const execution = await env.execution(change.id);
    await env.waiting(execution, 2);
    const approvals = await env.openedApprovals(change.id);
    expect(approvals.path).toBe('emergency-cab');

    const frankToken = await env.taskTokenOf(approvals, env.approvalOf(approvals, frank));
    expect(frankToken).toBeDefined();
    const reasonless = await env.vote(change.id, env.approvalOf(approvals, erin), erin, 'reject');
    expect(reasonless.status).toBe(400);
    const rejection = await env.vote(
      change.id,
      env.approvalOf(approvals, erin),
      erin,
      'reject',
      'The backout plan is untested.',
    );
    expect(rejection.body.status).toBe('rejected');

    const decided = await env.decided(change.id);
    expect(decided).toMatchObject({ state: 'New', approval: { outcome: 'rejected' } });
    expect(decided.approval?.reasons).toContainEqual(
      expect.stringContaining('The backout plan is untested.'),
    );
    await env.publishedFor(ChangeRejected, change.id);
    // Frank never voted: the decision ended his waiting.
    expect((await env.finished(execution)).status).toBe('SUCCEEDED');
    await expect(
      env.sfn.send(new SendTaskSuccessCommand({ taskToken: frankToken ?? '', output: '{}' })),
    ).rejects.toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
  });

  it('goes ahead in a blackout with the override recorded, once approved', async () => {
    const ci = await env.ci();
    const window = windowIn(3);
    await blackout(ci, window);
    const refused = await env.api<ChangeSnapshot>(
      'POST',
      '/changes',
      { role: 'agent' },
      {
        model: 'normal',
        shortDescription: 'Not in a freeze',
        affectedCis: [ci],
        assignmentGroup: APPROVERS.owners,
        ...window,
        implementationPlan: 'Apply.',
        backoutPlan: 'Restore.',
        testPlan: 'Test.',
      },
    );
    expectStatus(refused, 201);
    await env.transition(refused.body.id, { action: 'assess' });
    const blocked = await env.transition(refused.body.id, { action: 'requestAuthorization' });
    expect(blocked.status).toBe(409);

    const change = await env.submittedChange({
      model: 'emergency',
      ci,
      window,
      overrideReason: 'The database is losing data.',
    });
    const approvals = await env.openedApprovals(change.id);
    await env.vote(change.id, env.approvalOf(approvals, frank), frank, 'approve');

    const decided = await env.decided(change.id);
    expect(decided).toMatchObject({
      state: 'Scheduled',
      conflictOverride: { reason: 'The database is losing data.' },
    });
  });
});

describe('the workflow', () => {
  it('carries on after the local runtime restarts: a vote before and a vote after decide', async () => {
    const { change, execution, approvalOf } = await normalChange();
    expectStatus(await env.vote(change.id, approvalOf(alice), alice, 'approve'), 200);

    env = await env.restart();
    // Started again from the beginning under its ARN: Alice's vote is read, Bob's awaited.
    await env.waiting(execution, 2);
    const second = await env.vote(change.id, approvalOf(bob), bob, 'approve');
    expectStatus(second, 200);
    expect(second.body.status).toBe('approved');

    expect(await env.decided(change.id)).toMatchObject({
      state: 'Scheduled',
      approval: { planId: change.approvalPlanId, outcome: 'approved' },
    });
    expect((await env.finished(execution)).status).toBe('SUCCEEDED');
    expect(await env.executionsFor(change.id)).toEqual([execution]);
  }, 120_000);

  it('runs one execution per plan: a redelivered event ends at once', async () => {
    const { change, execution, approvalOf } = await normalChange();
    const [submitted] = await env.publishedFor(ChangeSubmittedForAuthorization, change.id);
    await env.runtime.bus.put([
      {
        source: ChangeSubmittedForAuthorization.source,
        detailType: ChangeSubmittedForAuthorization.detailType,
        detail: submitted,
      },
    ]);
    const duplicate = await eventually(async () => {
      const executions = await env.executionsFor(change.id);
      return executions.length === 2 ? executions[1] : undefined;
    }, 'the second execution');
    const ended = await env.finished(duplicate ?? '');
    expect(ended.status).toBe('SUCCEEDED');
    expect(statesEntered(await env.history(duplicate ?? ''))).toEqual([
      'OpenApprovals',
      'AlreadyUnderWay',
    ]);

    await env.vote(change.id, approvalOf(alice), alice, 'approve');
    await env.vote(change.id, approvalOf(bob), bob, 'approve');
    expect((await env.decided(change.id)).state).toBe('Scheduled');
    expect((await env.finished(execution)).status).toBe('SUCCEEDED');
  });

  it('withdraws the approvals of a change canceled under authorization', async () => {
    const { change, execution, approvalOf } = await normalChange();
    const canceled = await env.transition(change.id, { action: 'cancel', reason: 'Not needed.' });
    expectStatus(canceled, 200);

    const ended = await env.finished(execution);
    expect(ended.status).toBe('SUCCEEDED');
    const history = await env.history(execution);
    expect(statesEntered(history)).toContain('Withdrawn');
    // 6 + N + v (docs/changes.md): two approvers, no vote.
    expect(stateTransitions(history)).toBe(8);
    const approvals = await env.openedApprovals(change.id);
    expect(approvals.status).toBe('withdrawn');
    const vote = await env.vote(change.id, approvalOf(alice), alice, 'approve');
    expect(vote.status).toBe(409);
  });
});
