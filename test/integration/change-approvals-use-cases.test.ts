import { afterAll, describe, expect, it, vi } from 'vitest';

// The change area's settings, and a Step Functions endpoint that knows no task token: these
// tests drive the workflow's tasks by hand, so no vote finds a task waiting.
const stepFunctions = await vi.hoisted(async () => {
  await import('./change/environment');
  const { LocalStepFunctions } = await import('../../local/step-functions');
  const { startStepFunctionsEndpoint } = await import('../../local/step-functions-http');
  const { freePort } = await import('../../local/ports');
  const port = await freePort();
  const service = new LocalStepFunctions({
    stateMachines: [],
    invokeFunction: async () => ({}),
    putEvents: async () => ({ eventIds: [] }),
    log: () => {},
  });
  const endpoint = await startStepFunctionsEndpoint(service, { port });
  process.env.AWS_ENDPOINT_URL_SFN = `http://127.0.0.1:${port}`;
  return { service, endpoint };
});

afterAll(async () => {
  await stepFunctions.endpoint.stop();
  await stepFunctions.service.stop();
});

import { Service } from 'electrodb';
import {
  awaitVote,
  openApprovals,
  recordDecision,
  remind,
  withdrawApprovals,
} from '../../functions/change/approval-steps';
import {
  delegateApprovals,
  getApprovals,
  listDelegations,
  revokeApprovalDelegation,
  voteOnApproval,
} from '../../functions/change/approval-use-cases';
import {
  ApprovalDecidedError,
  ApprovalPlanClaimedError,
  ApprovalWithdrawnError,
} from '../../functions/change/approval-workflow';
import { transitionChange } from '../../functions/change/use-cases';
import { type Principal, Scopes } from '../../shared/auth';
import { documentClient } from '../../shared/db/client';
import { outboxEntity } from '../../shared/db/entities';
import {
  ConflictError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  ValidationError,
} from '../../shared/errors';
import {
  CHANGE_APPROVAL_AGGREGATE,
  ChangeApprovalReminderDue,
} from '../../shared/events/change-approvals';
import { ChangeSubmittedForAuthorization } from '../../shared/events/changes';
import { eventIdFor } from '../../shared/events/envelope';
import { aChange, aCi, changeEvents, ctx } from './change/support';

const outbox = new Service(
  { outbox: outboxEntity },
  { client: documentClient, table: process.env.TABLE_NAME },
).entities.outbox;

const person = (id: string, role: Principal['role'] = 'agent'): Principal => ({
  id,
  kind: 'user',
  role,
  scopes: new Set(),
});
// The owners of the `dba` CIs (test/integration/change/environment.ts), who approve the
// changes of the ci-owners path: the first of the group to answer answers for it.
const lead = person('dba-lead');
const deputy = person('dba-deputy');
const later = (days: number) => new Date(Date.now() + days * 24 * 60 * 60 * 1000).toISOString();

/** A normal change submitted for authorization, and the detail of the event that says so. */
async function submitted() {
  const change = await aChange([await aCi({ criticality: 4, ownerGroup: 'dba' })]);
  await transitionChange(change.id, { action: 'assess' }, ctx());
  await transitionChange(change.id, { action: 'requestAuthorization' }, ctx());
  const event = (await changeEvents(change.id)).find(
    (candidate) => candidate.detailType === ChangeSubmittedForAuthorization.detailType,
  );
  const detail = ChangeSubmittedForAuthorization.detail.parse(event?.detail);
  const { plan } = detail.data;
  const approvalOf = (principal: Principal) =>
    plan.approvers.find((approver) => approver.approverId === principal.id)?.approvalId ?? '';
  return { change, detail, plan, approvalOf };
}

async function opened(
  executionArn = `arn:aws:states:::execution:approvals:${crypto.randomUUID()}`,
) {
  const submission = await submitted();
  const state = await openApprovals(
    { task: 'open', executionArn, detail: submission.detail },
    new Date().toISOString(),
  );
  return { ...submission, state, executionArn };
}

const ref = (plan: { changeId: string; planId: string }) => ({
  changeId: plan.changeId,
  planId: plan.planId,
});

describe('opening the approvals', () => {
  it('claims the plan for one execution: its retry carries on, another execution ends', async () => {
    const { change, detail, plan, state, executionArn, approvalOf } = await opened();
    expect(state).toEqual({
      changeId: change.id,
      changeNumber: change.number,
      planId: plan.planId,
      approvalIds: plan.approvers.map((approver) => approver.approvalId),
      remindAt: plan.remindAt,
      deadline: plan.deadline,
    });
    await voteOnApproval(
      change.id,
      approvalOf(deputy),
      { decision: 'reject', comment: 'No.' },
      ctx(deputy),
    );

    const retried = await openApprovals(
      { task: 'open', executionArn, detail },
      new Date().toISOString(),
    );
    expect(retried).toEqual(state);
    const approvals = await getApprovals(change.id, lead, new Date().toISOString());
    expect(
      approvals.approvals.find((approval) => approval.approverId === deputy.id)?.votes,
    ).toHaveLength(1);
    await expect(
      openApprovals(
        { task: 'open', executionArn: `${executionArn}-redelivered`, detail },
        new Date().toISOString(),
      ),
    ).rejects.toBeInstanceOf(ApprovalPlanClaimedError);
  });
});

describe('the waiting tasks', () => {
  it('find a deciding vote cast while none of them was waiting, and end the waiting', async () => {
    const { change, plan, approvalOf } = await opened();
    // The lead answers first for the group: the plan is decided.
    const { approvals: voted } = await voteOnApproval(
      change.id,
      approvalOf(lead),
      { decision: 'approve' },
      ctx(lead),
    );
    expect(voted.status).toBe('approved');

    await expect(
      awaitVote(
        {
          task: 'await-vote',
          taskToken: 'a-new-token',
          approvalId: approvalOf(deputy),
          ...ref(plan),
        },
        new Date().toISOString(),
      ),
    ).rejects.toBeInstanceOf(ApprovalDecidedError);
    await expect(
      remind({ task: 'remind', ...ref(plan) }, new Date().toISOString()),
    ).rejects.toBeInstanceOf(ApprovalDecidedError);
  });

  it('keep waiting while undecided', async () => {
    const { plan, approvalOf } = await opened();
    await expect(
      awaitVote(
        { task: 'await-vote', taskToken: 'token', approvalId: approvalOf(lead), ...ref(plan) },
        new Date().toISOString(),
      ),
    ).resolves.toBeUndefined();
  });
});

describe('the reminder', () => {
  it('names those who have not voted, once, at the time the workflow says', async () => {
    const { plan } = await opened();
    // Long before `remindAt` by the clock: the workflow's timer is what decides it is due.
    const first = await remind({ task: 'remind', ...ref(plan) }, new Date().toISOString());
    const again = await remind({ task: 'remind', ...ref(plan) }, new Date().toISOString());
    expect([...first.reminded].sort()).toEqual([deputy.id, lead.id].sort());
    expect(again).toEqual(first);

    const eventId = eventIdFor(CHANGE_APPROVAL_AGGREGATE, plan.planId, 1);
    const { data } = await outbox.get({ eventId }).go({ consistent: true });
    const detail = ChangeApprovalReminderDue.detail.parse(JSON.parse(data?.detail ?? '{}'));
    expect(detail.data).toMatchObject({ planId: plan.planId, deadline: plan.deadline });
    expect(detail.data.awaiting.map((approver) => approver.approverId).sort()).toEqual(
      [deputy.id, lead.id].sort(),
    );
  });
});

describe('recording the decision', () => {
  it("applies the timeout's outcome at the deadline, once, and takes no vote after", async () => {
    const { change, plan, approvalOf } = await opened();
    const result = await recordDecision({ task: 'record', ...ref(plan) }, new Date().toISOString());
    expect(result).toEqual({ recorded: true, outcome: 'rejected', timedOut: true });
    const again = await recordDecision({ task: 'record', ...ref(plan) }, new Date().toISOString());
    expect(again).toEqual(result);

    const approvals = await getApprovals(change.id, lead, new Date().toISOString());
    expect(approvals).toMatchObject({ status: 'rejected', recorded: true });
    expect(approvals.decision?.decidedAt).toBe(plan.deadline);
    await expect(
      voteOnApproval(change.id, approvalOf(lead), { decision: 'approve' }, ctx(lead)),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('leaves the decision unrecorded on a change no longer under authorization', async () => {
    const { change, plan, approvalOf } = await opened();
    await voteOnApproval(change.id, approvalOf(lead), { decision: 'approve' }, ctx(lead));
    await transitionChange(change.id, { action: 'cancel', reason: 'Superseded' }, ctx());

    const result = await recordDecision({ task: 'record', ...ref(plan) }, new Date().toISOString());
    expect(result).toMatchObject({ recorded: false, outcome: 'approved' });
  });
});

describe('withdrawing', () => {
  it('ends the plan: the tasks stop waiting, votes are refused', async () => {
    const { change, plan, approvalOf } = await opened();
    expect(
      await withdrawApprovals({ task: 'withdraw', changeId: change.id, planId: null }),
    ).toEqual({
      withdrawn: [plan.planId],
    });
    await expect(
      awaitVote(
        { task: 'await-vote', taskToken: 'token', approvalId: approvalOf(lead), ...ref(plan) },
        new Date().toISOString(),
      ),
    ).rejects.toBeInstanceOf(ApprovalWithdrawnError);
    await expect(
      voteOnApproval(change.id, approvalOf(lead), { decision: 'approve' }, ctx(lead)),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await getApprovals(change.id, lead, new Date().toISOString())).status).toBe(
      'withdrawn',
    );
  });
});

describe('retried requests with an Idempotency-Key', () => {
  it('cast a vote once: a retry after it decided reads, it does not vote again', async () => {
    const { change, approvalOf } = await opened();
    const key = crypto.randomUUID();
    const first = await voteOnApproval(
      change.id,
      approvalOf(lead),
      { decision: 'approve' },
      ctx(lead),
      key,
    );
    expect(first).toMatchObject({ replayed: false, approvals: { status: 'approved' } });
    // Without the key this retry would be refused: the authorization is decided.
    const retried = await voteOnApproval(
      change.id,
      approvalOf(lead),
      { decision: 'approve' },
      ctx(lead),
      key,
    );
    expect(retried).toEqual({ ...first, replayed: true });
    const votes = retried.approvals.approvals.find((approval) => approval.approverId === lead.id);
    expect(votes?.votes).toHaveLength(1);
    await expect(
      voteOnApproval(change.id, approvalOf(lead), { decision: 'reject' }, ctx(lead), key),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('create a delegation once, however often it is retried', async () => {
    const key = crypto.randomUUID();
    const request = { delegate: `delegate-${crypto.randomUUID().slice(0, 8)}`, to: later(1) };
    const attempts = await Promise.all(
      [1, 2, 3].map(() => delegateApprovals(request, ctx(lead), key)),
    );
    expect(new Set(attempts.map((attempt) => attempt.delegation.id)).size).toBe(1);
    expect(attempts.filter((attempt) => !attempt.replayed)).toHaveLength(1);
    const given = await listDelegations(lead, new Date().toISOString());
    expect(
      given.given.filter((delegation) => delegation.delegate === request.delegate),
    ).toHaveLength(1);
  });
});

describe('delegations', () => {
  it('are bounded, in the future, and given by people', async () => {
    const request = { delegate: 'grace', to: later(91) };
    await expect(delegateApprovals(request, ctx(lead))).rejects.toBeInstanceOf(ValidationError);
    await expect(
      delegateApprovals({ delegate: 'grace', from: later(-3), to: later(-1) }, ctx(lead)),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      delegateApprovals({ delegate: lead.id, to: later(1) }, ctx(lead)),
    ).rejects.toBeInstanceOf(ValidationError);
    const client: Principal = {
      id: 'pipeline',
      kind: 'client',
      role: undefined,
      scopes: new Set([Scopes.changesWrite]),
    };
    await expect(
      delegateApprovals({ delegate: 'grace', to: later(1) }, ctx(client)),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("count only during their period and until revoked, and show the delegate the approver's approvals", async () => {
    const { change, approvalOf } = await opened();
    const delegate = person(`delegate-${crypto.randomUUID().slice(0, 8)}`, 'requester');
    const { delegation: scheduled } = await delegateApprovals(
      { delegate: delegate.id, from: later(1), to: later(2) },
      ctx(lead),
    );
    expect(scheduled.status).toBe('scheduled');
    await expect(
      voteOnApproval(change.id, approvalOf(lead), { decision: 'approve' }, ctx(delegate)),
    ).rejects.toBeInstanceOf(ForbiddenError);

    const { delegation: active } = await delegateApprovals(
      { delegate: delegate.id, to: later(1) },
      ctx(lead),
    );
    expect((await getApprovals(change.id, delegate, new Date().toISOString())).changeId).toBe(
      change.id,
    );
    const revoked = await revokeApprovalDelegation(active.id, ctx(lead));
    expect(revoked).toMatchObject({ id: active.id, status: 'revoked' });
    await expect(
      voteOnApproval(change.id, approvalOf(lead), { decision: 'approve' }, ctx(delegate)),
    ).rejects.toBeInstanceOf(ForbiddenError);

    const listed = await listDelegations(delegate, new Date().toISOString());
    expect(listed.received.map((delegation) => [delegation.id, delegation.status])).toEqual([
      [active.id, 'revoked'],
      [scheduled.id, 'scheduled'],
    ]);
  });
});
