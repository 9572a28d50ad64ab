import { SYSTEM_PRINCIPAL } from '../../shared/auth';
import { HttpError } from '../../shared/errors';
import {
  CHANGE_APPROVAL_EVENT_SEQUENCE,
  ChangeApprovalReminderDue,
} from '../../shared/events/change-approvals';
import type { ApprovalDecisionRecord } from '../../shared/events/changes';
import { domainEvent } from '../../shared/events/domain-event';
import { actorOf } from '../../shared/events/envelope';
import { logger } from '../../shared/observability/powertools';
import {
  claimPlan,
  createApprovals,
  endPlan,
  getPlan,
  getPlanState,
  listApprovals,
  listPlans,
  publishOnce,
  type StoredPlan,
  storeTaskToken,
} from './approval-repository';
import { failAnyTask } from './approval-tokens';
import {
  ApprovalDecidedError,
  ApprovalPlanClaimedError,
  type ApprovalTaskInput,
  ApprovalWithdrawnError,
  type RecordResult,
  type WorkflowState,
} from './approval-workflow';
import { decide } from './domain/approvals';
import { recordAuthorization } from './use-cases';

/**
 * The steps of the approval workflow (approval-tasks.ts runs them for the state machine):
 * open the approvals, await each vote, remind, record the decision; and the withdrawal of a
 * canceled change's approvals. docs/changes.md ("Approval workflow") explains how they and the
 * votes wait for each other.
 */

type TaskOf<Name extends ApprovalTaskInput['task']> = Extract<ApprovalTaskInput, { task: Name }>;

function later(a: string, b: string): string {
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** The tasks stop at a plan that has ended: the workflow's Catch takes it from there. */
function assertOpen(stored: StoredPlan): void {
  if (stored.status === 'withdrawn') {
    throw new ApprovalWithdrawnError(`The authorization of ${stored.changeNumber} was withdrawn.`);
  }
  if (stored.status === 'decided') {
    throw new ApprovalDecidedError(`The authorization of ${stored.changeNumber} was decided.`);
  }
}

/**
 * First state: claims the plan for this execution and creates one approval per approver. A
 * second execution for the same plan (a redelivered event) finds it claimed and ends.
 */
export async function openApprovals(input: TaskOf<'open'>, now: string): Promise<WorkflowState> {
  const { change, plan } = input.detail.data;
  const claim = await claimPlan({
    changeId: change.id,
    planId: plan.planId,
    changeNumber: change.number,
    plan,
    executionArn: input.executionArn,
    openedAt: now,
  });
  if (claim === 'taken') {
    throw new ApprovalPlanClaimedError(
      `Plan ${plan.planId} of ${change.number} is under way in another execution.`,
    );
  }
  await createApprovals(
    plan.approvers.map((approver) => ({
      changeId: change.id,
      planId: plan.planId,
      approvalId: approver.approvalId,
      approverId: approver.approverId,
      groups: approver.groups,
    })),
  );
  return {
    changeId: change.id,
    changeNumber: change.number,
    planId: plan.planId,
    approvalIds: plan.approvers.map((approver) => approver.approvalId),
    remindAt: plan.remindAt,
    deadline: plan.deadline,
  };
}

/**
 * One approval's `.waitForTaskToken` task: stores the token, then reads the votes. Writing
 * before reading is what makes a vote racing with it safe: the vote writes before it reads
 * the token, so either the vote finds this token or this read finds the vote.
 */
export async function awaitVote(input: TaskOf<'await-vote'>, now: string): Promise<void> {
  const { changeId, planId, approvalId } = input;
  await storeTaskToken({ changeId, planId, approvalId }, input.taskToken, now);
  const { stored, votes } = await getPlanState(changeId, planId);
  assertOpen(stored);
  const decision = decide(stored.plan, votes, now);
  if (decision.status !== 'pending') throw ApprovalDecidedError.of(decision.record);
}

/**
 * The reminder time has come (the workflow's timer is the clock: evaluated at `remindAt`
 * at the earliest): remind those who have not voted, once. Finding the plan decided ends the
 * waiting, should a vote's notification have been lost.
 */
export async function remind(
  input: TaskOf<'remind'>,
  now: string,
): Promise<{ reminded: string[] }> {
  const { stored, votes } = await getPlanState(input.changeId, input.planId);
  assertOpen(stored);
  const { plan } = stored;
  const decision = decide(plan, votes, later(now, plan.remindAt));
  if (decision.status !== 'pending') throw ApprovalDecidedError.of(decision.record);
  const awaiting = plan.approvers.filter((approver) =>
    decision.awaiting.includes(approver.approverId),
  );
  if (awaiting.length === 0) return { reminded: [] };
  await publishOnce(
    domainEvent(
      ChangeApprovalReminderDue,
      {
        aggregateId: plan.planId,
        sequence: CHANGE_APPROVAL_EVENT_SEQUENCE.reminder,
        actor: actorOf(SYSTEM_PRINCIPAL),
        occurredAt: now,
      },
      {
        changeId: stored.changeId,
        changeNumber: stored.changeNumber,
        planId: plan.planId,
        path: plan.path,
        awaiting,
        remindAt: plan.remindAt,
        deadline: plan.deadline,
      },
    ),
  );
  return { reminded: awaiting.map((approver) => approver.approverId) };
}

/**
 * The decision, recorded once: votes decided it, or the deadline came (or the workflow waited
 * for the deadline after a failure). Evaluated at the deadline, which gives the votes'
 * decision when they made one and the timeout's outcome otherwise, since no vote counts from
 * the deadline on. The plan is marked decided first (no vote counts after that), then the
 * change takes the decision; a change no longer under this authorization (canceled, 404 or
 * 409) leaves it unrecorded, and the workflow ends.
 */
export async function recordDecision(input: TaskOf<'record'>, now: string): Promise<RecordResult> {
  const { changeId, planId } = input;
  const state = await getPlanState(changeId, planId);
  let { stored } = state;
  if (stored.status === 'open') {
    const decision = decide(stored.plan, state.votes, stored.plan.deadline);
    if (decision.status === 'pending') {
      throw new Error(`Plan ${planId} is undecided at its deadline, which cannot be.`);
    }
    stored = await endPlan(stored, { status: 'decided', decision: decision.record });
  }
  if (stored.status === 'withdrawn' || !stored.decision) {
    return { recorded: false, reason: 'The change was canceled: its authorization was withdrawn.' };
  }
  const record: ApprovalDecisionRecord = stored.decision;
  try {
    const change = await recordAuthorization(changeId, planId, record, now);
    // An approval whose window a blackout now blocks is recorded as a rejection.
    const taken = change.approval?.planId === planId ? change.approval : record;
    return { recorded: true, outcome: taken.outcome, timedOut: taken.timedOut };
  } catch (error) {
    if (error instanceof HttpError && (error.status === 404 || error.status === 409)) {
      logger.warn('decision not recorded on the change', {
        changeId,
        planId,
        reason: error.message,
      });
      return {
        recorded: false,
        outcome: record.outcome,
        timedOut: record.timedOut,
        reason: error.message,
      };
    }
    throw error;
  }
}

/**
 * A change canceled under authorization: its open plans are withdrawn and their waiting ends
 * (a task that is not waiting at this moment finds the plan withdrawn when it next looks).
 */
export async function withdrawApprovals(
  input: TaskOf<'withdraw'>,
): Promise<{ withdrawn: string[] }> {
  const plans = input.planId
    ? [await getPlan(input.changeId, input.planId)]
    : await listPlans(input.changeId);
  const withdrawn: string[] = [];
  for (const stored of plans) {
    if (stored?.status !== 'open') continue;
    const ended = await endPlan(stored, { status: 'withdrawn' });
    if (ended.status !== 'withdrawn') continue;
    withdrawn.push(ended.planId);
    const approvals = await listApprovals(ended.changeId, ended.planId);
    await failAnyTask(
      approvals.flatMap((approval) => approval.taskToken ?? []),
      new ApprovalWithdrawnError(`${ended.changeNumber} was canceled.`),
    );
  }
  return { withdrawn };
}
