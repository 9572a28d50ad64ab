import { v7 as uuidv7 } from 'uuid';
import type { Principal } from '../../shared/auth';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors';
import type { ApprovalPlan, Vote } from '../../shared/events/changes';
import { claimFor, replayOf } from '../../shared/idempotency';
import { logger } from '../../shared/observability/powertools';
import type { RequestContext } from '../../shared/request-context';
import { createOnce, withRetries } from '../../shared/unit-of-work';
import { validationErrorFrom } from '../../shared/validation';
import type * as z from '../../shared/zod';
import {
  appendVote,
  changeIdByNumber,
  createDelegation,
  delegationsGivenBy,
  delegationsReceivedBy,
  getDelegation,
  getIdempotencyClaim,
  getPlanState,
  listApprovals,
  listPlans,
  type PlanState,
  revokeDelegation,
  type StoredApproval,
  type StoredDelegation,
  type StoredPlan,
} from './approval-repository';
import type {
  ChangeApprovalsSchema,
  DelegationRequestSchema,
  DelegationSchema,
  VoteRequestSchema,
} from './approval-schemas';
import { completeTask, failAnyTask } from './approval-tokens';
import { ApprovalDecidedError, type VoteTaskOutput } from './approval-workflow';
import { canView } from './domain/access';
import {
  type ApprovalDecision,
  castVote,
  DelegationSchema as DelegationRulesSchema,
  decide,
} from './domain/approvals';

/**
 * The approvals API's use cases: the approvals of a change with their votes, a vote (and
 * telling the workflow of it), and the approvers' delegations. The workflow's own steps are
 * approval-steps.ts; docs/changes.md ("Approval workflow") explains how votes and the
 * workflow's waiting tasks find each other.
 */

const CHANGE_NUMBER = /^CHG\d{7,}$/i;

/** A delegation lasts at most this long *(decision)*: delegating is for absences, not roles. */
const MAX_DELEGATION_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;
const DELEGATION_LIST_LIMIT = 100;

/** What the API shows of a change's approvals (approval-schemas.ts). */
export type ApprovalsView = z.output<typeof ChangeApprovalsSchema>;

function approvalsView(
  stored: StoredPlan,
  approvals: StoredApproval[],
  now: string,
): ApprovalsView {
  const { plan } = stored;
  const decision: ApprovalDecision | undefined =
    stored.status === 'withdrawn'
      ? undefined
      : stored.decision
        ? { status: stored.decision.outcome, record: stored.decision }
        : decide(
            plan,
            approvals.flatMap((approval) => approval.votes),
            now,
          );
  const decided = decision && decision.status !== 'pending' ? decision.record : undefined;
  return {
    changeId: stored.changeId,
    changeNumber: stored.changeNumber,
    planId: plan.planId,
    path: plan.path,
    policy: plan.policy,
    reasons: plan.reasons,
    requestedAt: plan.requestedAt,
    remindAt: plan.remindAt,
    deadline: plan.deadline,
    status: decision?.status ?? 'withdrawn',
    ...(decided ? { decision: decided } : {}),
    recorded: stored.status === 'decided',
    approvals: plan.approvers.map((approver) => {
      const votes =
        approvals.find((approval) => approval.approvalId === approver.approvalId)?.votes ?? [];
      const current = votes.at(-1);
      return {
        id: approver.approvalId,
        approverId: approver.approverId,
        groups: approver.groups,
        ...(current
          ? {
              vote: current.vote,
              ...(current.comment === undefined ? {} : { comment: current.comment }),
              castBy: current.castBy,
              castAt: current.castAt,
            }
          : {}),
        votes,
      };
    }),
  };
}

async function resolveChangeId(idOrNumber: string): Promise<string> {
  if (!CHANGE_NUMBER.test(idOrNumber)) return idOrNumber;
  const id = await changeIdByNumber(idOrNumber.toUpperCase());
  if (!id) throw new NotFoundError(`Change ${idOrNumber} does not exist.`);
  return id;
}

function isActive(delegation: StoredDelegation, now: string): boolean {
  const at = Date.parse(now);
  return (
    delegation.revokedAt === undefined &&
    Date.parse(delegation.from) <= at &&
    at < Date.parse(delegation.to)
  );
}

/**
 * Those who may view changes see approvals; so do the approvers and their delegates, who
 * need not be agents. To anyone else the change has no approvals (404, as changes are).
 */
async function assertMayView(principal: Principal, plan: ApprovalPlan, now: string) {
  if (canView(principal)) return;
  const approvers = plan.approvers.map((approver) => approver.approverId);
  if (approvers.includes(principal.id)) return;
  const received = await delegationsReceivedBy(principal.id);
  const delegate = received.some(
    (delegation) => approvers.includes(delegation.delegator) && isActive(delegation, now),
  );
  if (!delegate) throw new NotFoundError(`Change ${plan.changeId} has no approvals.`);
}

/** The approvals of the change's latest authorization, with their votes. */
export async function getApprovals(
  idOrNumber: string,
  principal: Principal,
  now: string,
): Promise<ApprovalsView> {
  const changeId = await resolveChangeId(idOrNumber);
  const current = (await listPlans(changeId)).at(-1);
  if (!current) throw new NotFoundError(`Change ${idOrNumber} has no approvals.`);
  await assertMayView(principal, current.plan, now);
  return approvalsView(current, await listApprovals(changeId, current.planId), now);
}

export type BallotRequest = z.output<typeof VoteRequestSchema>;

/**
 * A vote on one approval, by its approver or their delegate (domain castVote: 404, 403, 409,
 * 400). The vote is stored first; then the workflow learns of it: a vote that decides ends
 * every approval's waiting (the task fails with ApprovalDecidedError), any other vote
 * completes the approval's task, which waits again with a new token.
 */
export async function voteOnApproval(
  idOrNumber: string,
  approvalId: string,
  ballot: BallotRequest,
  ctx: RequestContext,
  idempotencyKey?: string,
): Promise<{ approvals: ApprovalsView; replayed: boolean }> {
  const changeId = await resolveChangeId(idOrNumber);
  const owner = (await listPlans(changeId)).find((stored) =>
    stored.plan.approvers.some((approver) => approver.approvalId === approvalId),
  );
  if (!owner) throw new NotFoundError(`No approval ${approvalId} on change ${idOrNumber}.`);
  const { planId } = owner;

  // With an Idempotency-Key a retried vote is not cast again: it could outvote a later change
  // of mind. The claim is written with the vote; a retry finds it and only reads.
  const idempotent =
    idempotencyKey === undefined
      ? undefined
      : {
          scope: `approval-vote:${ctx.principal.id}`,
          key: idempotencyKey,
          input: { change: changeId, approvalId, ...ballot },
        };
  const vote = await withRetries(async () => {
    const earlier = idempotent && (await getIdempotencyClaim(idempotent.scope, idempotent.key));
    if (idempotent && earlier) {
      replayOf(earlier, idempotent);
      return undefined;
    }
    const { stored, approvals, votes } = await getPlanState(changeId, planId);
    const approver = stored.plan.approvers.find((candidate) => candidate.approvalId === approvalId);
    const delegations =
      approver && approver.approverId !== ctx.principal.id
        ? (await delegationsGivenBy(approver.approverId)).filter(
            (delegation) => delegation.revokedAt === undefined,
          )
        : [];
    const result = castVote(
      stored.plan,
      votes,
      { approvalId, vote: ballot.decision, ...(ballot.comment ? { comment: ballot.comment } : {}) },
      delegations,
      { actor: ctx.principal, now: ctx.now },
    );
    if (stored.status !== 'open') {
      throw new ConflictError(`The authorization of ${stored.changeNumber} was ${stored.status}.`);
    }
    const target = approvals.find((approval) => approval.approvalId === approvalId);
    if (!target) {
      throw new ConflictError('The approvals are still being opened: try again in a moment.');
    }
    await appendVote(target, result.vote, idempotent && claimFor(idempotent, approvalId, ctx.now));
    return result.vote;
  });

  const state = await getPlanState(changeId, planId);
  if (vote) await notifyWorkflow(state, vote, ctx.now);
  return { approvals: approvalsView(state.stored, state.approvals, ctx.now), replayed: !vote };
}

/**
 * Tells the workflow of a stored vote. Best effort: should no task be waiting, or Step
 * Functions fail to answer, the workflow still finds the vote when it next reads the votes
 * (a new wait, the reminder, at the latest the deadline).
 */
async function notifyWorkflow(state: PlanState, vote: Vote, now: string): Promise<void> {
  const own = state.approvals.find((approval) => approval.approvalId === vote.approvalId);
  try {
    const decision = decide(state.stored.plan, state.votes, now);
    if (decision.status === 'pending') {
      if (!own?.taskToken) return;
      const output: VoteTaskOutput = {
        approvalId: vote.approvalId,
        vote: vote.vote,
        castBy: vote.castBy,
      };
      await completeTask(own.taskToken, output);
      return;
    }
    const tokens = [own, ...state.approvals.filter((approval) => approval !== own)].flatMap(
      (approval) => approval?.taskToken ?? [],
    );
    await failAnyTask(tokens, ApprovalDecidedError.of(decision.record));
  } catch (error) {
    logger.warn('the approval workflow did not take the vote now; it reads it later', {
      error: error as Error,
      approvalId: vote.approvalId,
    });
  }
}

// Delegations.

export type DelegationRequest = z.output<typeof DelegationRequestSchema>;

export type DelegationView = z.output<typeof DelegationSchema>;

function delegationView(stored: StoredDelegation, now: string): DelegationView {
  const { delegationId, ...rest } = stored;
  const at = Date.parse(now);
  const status: DelegationView['status'] =
    stored.revokedAt !== undefined
      ? 'revoked'
      : at < Date.parse(stored.from)
        ? 'scheduled'
        : at < Date.parse(stored.to)
          ? 'active'
          : 'ended';
  return { id: delegationId, ...rest, status };
}

function assertPerson(principal: Principal): void {
  if (principal.kind !== 'user') {
    throw new ForbiddenError('Only people delegate their approvals.');
  }
}

/**
 * The caller lets `delegate` vote for them from `from` (default now) until `to`, at most
 * MAX_DELEGATION_DAYS. The delegate votes on the caller's approvals of any change meanwhile.
 */
export async function delegateApprovals(
  request: DelegationRequest,
  ctx: RequestContext,
  idempotencyKey?: string,
): Promise<{ delegation: DelegationView; replayed: boolean }> {
  assertPerson(ctx.principal);
  const parsed = DelegationRulesSchema.safeParse({
    delegator: ctx.principal.id,
    delegate: request.delegate,
    from: request.from ?? ctx.now,
    to: request.to,
  });
  if (!parsed.success) throw validationErrorFrom(parsed.error);
  const { from, to } = parsed.data;
  const issues = [
    ...(Date.parse(to) <= Date.parse(ctx.now)
      ? [{ field: 'to', message: 'must be in the future' }]
      : []),
    ...(Date.parse(to) - Date.parse(from) > MAX_DELEGATION_DAYS * DAY_MS
      ? [{ field: 'to', message: `must be at most ${MAX_DELEGATION_DAYS} days after from` }]
      : []),
  ];
  if (issues.length > 0) throw new ValidationError(issues);
  const { value, replayed } = await createOnce(
    { kind: 'approval-delegation', ctx, key: idempotencyKey, input: request },
    {
      findClaim: getIdempotencyClaim,
      replay: async (id) => {
        const stored = await getDelegation(ctx.principal.id, id);
        if (!stored) throw new NotFoundError(`Delegation ${id} does not exist.`);
        return delegationView(stored, ctx.now);
      },
      create: async (claim) => {
        const stored: StoredDelegation = {
          delegationId: uuidv7(),
          ...parsed.data,
          ...(request.reason ? { reason: request.reason } : {}),
          createdAt: ctx.now,
        };
        await createDelegation(stored, claim?.(stored.delegationId));
        return delegationView(stored, ctx.now);
      },
    },
  );
  return { delegation: value, replayed };
}

/** The caller's delegations, given and received, newest first (the latest 100 of each). */
export async function listDelegations(
  principal: Principal,
  now: string,
): Promise<{ given: DelegationView[]; received: DelegationView[] }> {
  assertPerson(principal);
  const [given, received] = await Promise.all([
    delegationsGivenBy(principal.id, DELEGATION_LIST_LIMIT),
    delegationsReceivedBy(principal.id, DELEGATION_LIST_LIMIT),
  ]);
  return {
    given: given.map((delegation) => delegationView(delegation, now)),
    received: received.map((delegation) => delegationView(delegation, now)),
  };
}

/** Ends one of the caller's delegations now; votes its delegate cast meanwhile stand. */
export async function revokeApprovalDelegation(
  delegationId: string,
  ctx: RequestContext,
): Promise<DelegationView> {
  assertPerson(ctx.principal);
  const current = await getDelegation(ctx.principal.id, delegationId);
  if (!current) throw new NotFoundError(`You have no delegation ${delegationId}.`);
  return delegationView(await revokeDelegation(current, ctx.now), ctx.now);
}
