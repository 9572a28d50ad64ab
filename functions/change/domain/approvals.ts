import type { Principal } from '../../../shared/auth';
import { derivedId } from '../../../shared/domain/ids';
import { isBlank } from '../../../shared/domain/values';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../../shared/errors';
import * as z from '../../../shared/zod';
import type {
  ApprovalDecisionRecord,
  ApprovalPath,
  ApprovalPlan,
  ApprovalPolicy,
  ApprovalRule,
  Approver,
  Change,
  RiskAssessment,
  Vote,
} from './model';

/**
 * Approvals: who is asked (`planApprovals`), how their votes decide (`decide`), and who may
 * vote (`castVote`, with delegation). The approval workflow keeps the plan and the votes; each
 * vote and each timer (reminder, deadline) asks `decide` again, and the first decision is
 * final.
 *
 * Rules (`ApprovalRule`), over the approvers' current votes (the last each cast):
 * - any: one approval; all: every approver; quorum N: N approvals (all, when fewer than N
 *   approvers); percentage P: at least P% of the approvers (rounded up, at least one);
 * - first-per-group: the first member of each group to respond answers for the group (and
 *   may still change that answer); every group must approve.
 *
 * On a rejection (`OnRejection`): reject-at-once decides at the first rejection;
 * keep-waiting decides only once everyone (every group, for first-per-group) has responded,
 * so a rejecter may still change their mind.
 *
 * Timeout: at the deadline an undecided approval takes the policy's timeout outcome, except
 * that an approval never comes from silence while someone is rejecting: a current rejection
 * makes a timeout reject. Votes cast at or after the deadline do not count.
 */

export type ApprovalPoliciesByPath = Readonly<
  Record<Exclude<ApprovalPath, 'pre-approved'>, ApprovalPolicy>
>;

const HOUR = 60;
const DAY = 24 * HOUR;

/** Defaults; the deployment configures its own. */
export const DEFAULT_APPROVAL_POLICIES: ApprovalPoliciesByPath = {
  'ci-owners': {
    rule: { kind: 'first-per-group' },
    onRejection: 'reject-at-once',
    timeout: { afterMinutes: 3 * DAY, remindBeforeMinutes: DAY, outcome: 'reject' },
  },
  cab: {
    rule: { kind: 'percentage', percent: 50 },
    onRejection: 'keep-waiting',
    timeout: { afterMinutes: 5 * DAY, remindBeforeMinutes: DAY, outcome: 'reject' },
  },
  'emergency-cab': {
    rule: { kind: 'any' },
    onRejection: 'reject-at-once',
    timeout: { afterMinutes: 4 * HOUR, remindBeforeMinutes: HOUR, outcome: 'reject' },
  },
};

export interface ApproverGroup {
  id: string;
  members: readonly string[];
}

export interface ApprovalDirectory {
  cab: ApproverGroup;
  emergencyCab: ApproverGroup;
  /** The owner groups of the change's CIs, from the CMDB. */
  ciOwnerGroups: readonly ApproverGroup[];
}

const MINUTE_MS = 60_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function describeRule(rule: ApprovalRule): string {
  switch (rule.kind) {
    case 'any':
      return 'any approver';
    case 'all':
      return 'all approvers';
    case 'quorum':
      return `a quorum of ${rule.count}`;
    case 'percentage':
      return `${rule.percent}% of the approvers`;
    case 'first-per-group':
      return 'the first response of each group';
  }
}

function uniqueGroups(groups: readonly ApproverGroup[]): ApproverGroup[] {
  return [...new Map(groups.map((group) => [group.id, group])).values()];
}

function groupsFor(
  path: Exclude<ApprovalPath, 'pre-approved'>,
  directory: ApprovalDirectory,
): { path: Exclude<ApprovalPath, 'pre-approved'>; groups: ApproverGroup[]; reasons: string[] } {
  const owners = uniqueGroups(directory.ciOwnerGroups);
  switch (path) {
    case 'emergency-cab':
      return {
        path,
        groups: [directory.emergencyCab],
        reasons: ['An emergency change: the emergency CAB approves.'],
      };
    case 'cab':
      return {
        path,
        groups: uniqueGroups([directory.cab, ...owners]),
        reasons: ['The risk calls for the CAB and the owner groups of the CIs.'],
      };
    case 'ci-owners':
      if (owners.length === 0) {
        return {
          path: 'cab',
          groups: [directory.cab],
          reasons: [
            'The risk calls for the CI owner groups, but the CIs have none: the CAB approves.',
          ],
        };
      }
      return { path, groups: owners, reasons: ['The risk calls for the owner groups of the CIs.'] };
  }
}

/** The plan of the submission of this version of the change: one per submission. */
export function approvalPlanIdFor(change: Pick<Change, 'id' | 'version'>): string {
  return derivedId('change-approval-plan', change.id, change.version);
}

/**
 * Who must authorize the change (at its current version, before it moves to Authorize), on
 * the path its risk assessment chose, under that path's policy. Each member of each group is
 * asked once; the change's requester is never asked to approve their own change. The
 * deadline is the policy's timeout, brought forward to the planned start when that comes
 * first: an approval after the work should have begun is worthless.
 */
export function planApprovals(
  change: Change,
  risk: RiskAssessment,
  directory: ApprovalDirectory,
  policies: ApprovalPoliciesByPath,
  now: string,
): ApprovalPlan {
  if (change.model === 'standard' || risk.approvalPath === 'pre-approved') {
    throw new ConflictError(`${change.number} is a standard change: its template pre-approves it.`);
  }
  const chosen = groupsFor(risk.approvalPath, directory);
  const reasons = [...chosen.reasons];
  const policy = policies[chosen.path];

  const approvers = new Map<string, Approver>();
  for (const group of chosen.groups) {
    const eligible = [...new Set(group.members)].filter((member) => member !== change.openedBy);
    if (eligible.length === 0) {
      reasons.push(`Group ${group.id} has no member other than the requester: left out.`);
      continue;
    }
    for (const member of eligible) {
      const known = approvers.get(member);
      if (known) known.groups.push(group.id);
      else {
        approvers.set(member, {
          approvalId: derivedId('change-approval', change.id, change.version, member),
          approverId: member,
          groups: [group.id],
        });
      }
    }
  }
  if (approvers.size === 0) {
    throw new ConflictError(
      `No one may approve ${change.number}: the groups on the ${chosen.path} path have no member other than the requester.`,
    );
  }
  if (policy.rule.kind === 'quorum' && policy.rule.count > approvers.size) {
    reasons.push(
      `The quorum of ${policy.rule.count} exceeds the ${approvers.size} approvers: all must approve.`,
    );
  }

  const requestedAt = Date.parse(now);
  let deadline = requestedAt + policy.timeout.afterMinutes * MINUTE_MS;
  const plannedStart =
    change.plannedStart === undefined ? Number.NaN : Date.parse(change.plannedStart);
  if (plannedStart > requestedAt && plannedStart < deadline) {
    deadline = plannedStart;
    reasons.push('The deadline is the planned start, which comes before the policy timeout.');
  }
  const remindAt = Math.max(requestedAt, deadline - policy.timeout.remindBeforeMinutes * MINUTE_MS);
  return {
    planId: approvalPlanIdFor(change),
    changeId: change.id,
    path: chosen.path,
    policy,
    approvers: [...approvers.values()],
    reasons,
    requestedAt: iso(requestedAt),
    remindAt: iso(remindAt),
    deadline: iso(deadline),
  };
}

export type ApprovalDecision =
  | {
      status: 'pending';
      /** Approvers whose current vote approves, rejects; those who have not voted. */
      approvedBy: string[];
      rejectedBy: string[];
      awaiting: string[];
      /** The reminder time has come: remind those `awaiting`. */
      remind: boolean;
    }
  | { status: 'approved' | 'rejected'; record: ApprovalDecisionRecord };

type Outcome = { outcome: 'approved' | 'rejected'; reasons: string[] };

function rejectionLines(votes: readonly Vote[]): string[] {
  return votes
    .filter((vote) => vote.vote === 'reject')
    .map((vote) => {
      const by = vote.castBy === vote.approverId ? '' : ` (by delegate ${vote.castBy})`;
      return `Rejected by ${vote.approverId}${by}: ${vote.comment ?? 'no reason given'}`;
    });
}

function requiredApprovals(rule: ApprovalRule, approverCount: number): number {
  switch (rule.kind) {
    case 'any':
      return 1;
    case 'quorum':
      return Math.min(rule.count, approverCount);
    case 'percentage':
      return Math.max(1, Math.ceil((rule.percent * approverCount) / 100 - 1e-9));
    default:
      return approverCount;
  }
}

/** The decision the current votes make, if any. */
function evaluate(
  plan: ApprovalPlan,
  current: ReadonlyMap<string, Vote>,
  firstResponders: ReadonlyMap<string, string>,
): Outcome | undefined {
  const { rule, onRejection } = plan.policy;
  const votes = [...current.values()];
  const under = `Rule "${describeRule(rule)}"`;
  if (rule.kind === 'first-per-group') {
    const groups = [...new Set(plan.approvers.flatMap((approver) => approver.groups))];
    const answers = groups.map((group) => {
      const responder = firstResponders.get(group);
      return { group, vote: responder === undefined ? undefined : current.get(responder) };
    });
    const describe = (answer: (typeof answers)[number]) =>
      `${answer.group} answered ${answer.vote?.vote} through ${answer.vote?.approverId}`;
    if (answers.every((answer) => answer.vote?.vote === 'approve')) {
      return {
        outcome: 'approved',
        reasons: [`${under}: every group approved.`, ...answers.map(describe)],
      };
    }
    const rejecting = answers.filter((answer) => answer.vote?.vote === 'reject');
    const everyoneAnswered = answers.every((answer) => answer.vote !== undefined);
    if (rejecting.length > 0 && (onRejection === 'reject-at-once' || everyoneAnswered)) {
      return {
        outcome: 'rejected',
        reasons: [
          `${under}: ${rejecting.map((answer) => answer.group).join(', ')} rejected.`,
          ...rejectionLines(rejecting.flatMap((answer) => (answer.vote ? [answer.vote] : []))),
        ],
      };
    }
    return undefined;
  }

  const total = plan.approvers.length;
  const required = requiredApprovals(rule, total);
  const approving = votes.filter((vote) => vote.vote === 'approve');
  const rejecting = votes.filter((vote) => vote.vote === 'reject');
  if (approving.length >= required) {
    return {
      outcome: 'approved',
      reasons: [
        `${under}: ${approving.length} of ${total} approvers approved (${required} needed): ${approving.map((vote) => vote.approverId).join(', ')}.`,
      ],
    };
  }
  if (rejecting.length > 0 && (onRejection === 'reject-at-once' || votes.length === total)) {
    const why =
      onRejection === 'reject-at-once'
        ? 'a rejection decides at once'
        : `all ${total} approvers responded with ${approving.length} approvals, ${required} needed`;
    return {
      outcome: 'rejected',
      reasons: [`${under}: ${why}.`, ...rejectionLines(rejecting)],
    };
  }
  return undefined;
}

function assertFromApprovers(plan: ApprovalPlan, votes: readonly Vote[]): void {
  for (const vote of votes) {
    const approver = plan.approvers.find((candidate) => candidate.approvalId === vote.approvalId);
    if (approver?.approverId !== vote.approverId) {
      throw new ForbiddenError(`${vote.approverId} is not an approver of this change.`);
    }
  }
}

/**
 * The decision the votes make under the plan at `now`: votes are replayed in the order they
 * were cast and the first decision holds (later votes are ignored). Throws ForbiddenError for
 * a vote by someone the plan does not name.
 */
export function decide(plan: ApprovalPlan, votes: readonly Vote[], now: string): ApprovalDecision {
  assertFromApprovers(plan, votes);
  const deadline = Date.parse(plan.deadline);
  const inOrder = votes
    .map((vote, index) => ({ vote, index }))
    .sort((a, b) => Date.parse(a.vote.castAt) - Date.parse(b.vote.castAt) || a.index - b.index)
    .map(({ vote }) => vote)
    .filter((vote) => Date.parse(vote.castAt) < deadline);

  const current = new Map<string, Vote>();
  const firstResponders = new Map<string, string>();
  const decided = (outcome: Outcome, decidedAt: string, timedOut: boolean): ApprovalDecision => ({
    status: outcome.outcome,
    record: {
      planId: plan.planId,
      outcome: outcome.outcome,
      decidedAt,
      timedOut,
      reasons: outcome.reasons,
      votes: [...current.values()],
    },
  });

  for (const vote of inOrder) {
    current.set(vote.approverId, vote);
    const approver = plan.approvers.find((candidate) => candidate.approverId === vote.approverId);
    for (const group of approver?.groups ?? []) {
      if (!firstResponders.has(group)) firstResponders.set(group, vote.approverId);
    }
    const outcome = evaluate(plan, current, firstResponders);
    if (outcome) return decided(outcome, vote.castAt, false);
  }

  const awaiting = plan.approvers
    .map((approver) => approver.approverId)
    .filter((approverId) => !current.has(approverId));
  const currentVotes = [...current.values()];
  if (Date.parse(now) >= deadline) {
    const rejections = rejectionLines(currentVotes);
    const silenceApproves = plan.policy.timeout.outcome === 'approve';
    const outcome = silenceApproves && rejections.length === 0 ? 'approved' : 'rejected';
    const rule =
      silenceApproves && outcome === 'rejected'
        ? 'a current rejection outweighs an approval by timeout'
        : `the policy ${plan.policy.timeout.outcome}s on timeout`;
    return decided(
      {
        outcome,
        reasons: [
          `No decision by the deadline ${plan.deadline}: ${rule}.`,
          ...(awaiting.length > 0 ? [`No response from ${awaiting.join(', ')}.`] : []),
          ...rejections,
        ],
      },
      plan.deadline,
      true,
    );
  }
  return {
    status: 'pending',
    approvedBy: currentVotes
      .filter((vote) => vote.vote === 'approve')
      .map((vote) => vote.approverId),
    rejectedBy: currentVotes
      .filter((vote) => vote.vote === 'reject')
      .map((vote) => vote.approverId),
    awaiting,
    remind: Date.parse(now) >= Date.parse(plan.remindAt),
  };
}

/**
 * An approver lets a delegate vote for them between `from` and `to` (half-open). Delegation
 * does not cascade: only the approver's own delegations count, never the delegate's.
 */
export const DelegationSchema = z
  .object({
    delegator: z.string(),
    delegate: z.string(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
  })
  .check(
    z.refine((delegation) => Date.parse(delegation.to) > Date.parse(delegation.from), {
      message: 'must end after it starts',
      path: ['to'],
    }),
    z.refine((delegation) => delegation.delegate !== delegation.delegator, {
      message: 'cannot delegate to oneself',
      path: ['delegate'],
    }),
  );
export type Delegation = z.infer<typeof DelegationSchema>;

/** Whether `principalId` may vote for `approver` at `now`: themselves, or their delegate. */
export function mayVoteFor(
  approver: Approver,
  principalId: string,
  delegations: readonly Delegation[],
  now: string,
): boolean {
  if (principalId === approver.approverId) return true;
  const at = Date.parse(now);
  return delegations.some(
    (delegation) =>
      delegation.delegator === approver.approverId &&
      delegation.delegate === principalId &&
      Date.parse(delegation.from) <= at &&
      at < Date.parse(delegation.to),
  );
}

export interface Ballot {
  approvalId: string;
  vote: 'approve' | 'reject';
  comment?: string;
}

export interface VoteResult {
  vote: Vote;
  votes: Vote[];
  decision: ApprovalDecision;
}

/**
 * One vote on one approval (`approvalId`), by the approver or their delegate: 404 for an
 * approval the plan does not have, 403 for anyone else, 409 once the approval is decided
 * (by votes or by timeout), 400 for a rejection without a reason. A repeated vote replaces the
 * approver's earlier one.
 */
export function castVote(
  plan: ApprovalPlan,
  votes: readonly Vote[],
  ballot: Ballot,
  delegations: readonly Delegation[],
  ctx: { actor: Principal; now: string },
): VoteResult {
  const approver = plan.approvers.find((candidate) => candidate.approvalId === ballot.approvalId);
  if (!approver) throw new NotFoundError(`No approval ${ballot.approvalId} on this change.`);
  if (!mayVoteFor(approver, ctx.actor.id, delegations, ctx.now)) {
    throw new ForbiddenError(
      `${ctx.actor.id} is neither ${approver.approverId} nor their delegate at this time.`,
    );
  }
  const before = decide(plan, votes, ctx.now);
  if (before.status !== 'pending') {
    throw new ConflictError(
      `The approval was already decided: ${before.status} at ${before.record.decidedAt}.`,
    );
  }
  if (ballot.vote === 'reject' && isBlank(ballot.comment)) {
    throw new ValidationError([{ field: 'comment', message: 'is required to reject: say why' }]);
  }
  const vote: Vote = {
    approvalId: approver.approvalId,
    approverId: approver.approverId,
    castBy: ctx.actor.id,
    vote: ballot.vote,
    ...(isBlank(ballot.comment) ? {} : { comment: ballot.comment }),
    castAt: ctx.now,
  };
  const next = [...votes, vote];
  return { vote, votes: next, decision: decide(plan, next, ctx.now) };
}
