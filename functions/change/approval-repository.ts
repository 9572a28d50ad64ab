import { Service } from 'electrodb';
import { documentClient } from '../../shared/db/client';
import { findClaim, idempotencyEntity, outboxEntity } from '../../shared/db/entities';
import { commitTransaction } from '../../shared/db/journal';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { outboxItem, TransactionConflictError } from '../../shared/db/transactions';
import { ConflictError, NotFoundError } from '../../shared/errors';
import {
  type ApprovalDecisionRecord,
  ApprovalDecisionRecordSchema,
  type ApprovalPlan,
  ApprovalPlanSchema,
  type Vote,
} from '../../shared/events/changes';
import type { OutboxEvent } from '../../shared/events/domain-event';
import { type IdempotencyClaim, IdempotencyKeyTakenError } from '../../shared/idempotency';
import { approvalConfig } from './approval-config';
import {
  type ApprovalPlanStatuses,
  approvalDelegationEntity,
  approvalPlanEntity,
  changeApprovalEntity,
} from './approval-entities';
import type { Delegation } from './domain';
import { changeEntity } from './entities';

/**
 * The approval workflow's reads and writes (approval-entities.ts). Reads of plans and
 * approvals are strongly consistent: a vote and the task waiting for the next one each write
 * first and read after, so one of them always sees the other (docs/changes.md).
 */
const store = new Service(
  {
    plan: approvalPlanEntity,
    approval: changeApprovalEntity,
    delegation: approvalDelegationEntity,
    outbox: outboxEntity,
    change: changeEntity,
    idempotency: idempotencyEntity,
  },
  { client: documentClient, table: approvalConfig[TABLE_NAME_ENV] },
);
const { plan, approval, delegation, outbox, change, idempotency } = store.entities;

export function getIdempotencyClaim(
  scope: string,
  key: string,
): Promise<IdempotencyClaim | undefined> {
  return findClaim(idempotency, scope, key);
}

export type ApprovalPlanStatus = (typeof ApprovalPlanStatuses)[number];

export interface StoredPlan {
  changeId: string;
  planId: string;
  changeNumber: string;
  plan: ApprovalPlan;
  executionArn: string;
  status: ApprovalPlanStatus;
  decision?: ApprovalDecisionRecord;
  openedAt: string;
}

export interface StoredApproval {
  changeId: string;
  planId: string;
  approvalId: string;
  approverId: string;
  groups: string[];
  votes: Vote[];
  taskToken?: string;
  taskIssuedAt?: string;
  version: number;
}

export interface StoredDelegation extends Delegation {
  delegationId: string;
  reason?: string;
  createdAt: string;
  revokedAt?: string;
}

/** Delegation items stay a year after they end, then TTL removes them. */
const DELEGATION_RETENTION_SECONDS = 365 * 24 * 60 * 60;

function isConditionFailure(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause.name === 'ConditionalCheckFailedException') return true;
  }
  return false;
}

function toPlan(item: Record<string, unknown>): StoredPlan {
  const {
    decision,
    plan: body,
    ...rest
  } = item as Omit<StoredPlan, 'plan' | 'decision'> & {
    plan: unknown;
    decision?: unknown;
  };
  return {
    ...rest,
    plan: ApprovalPlanSchema.parse(body),
    ...(decision === undefined ? {} : { decision: ApprovalDecisionRecordSchema.parse(decision) }),
  };
}

function toApproval(item: Record<string, unknown>): StoredApproval {
  const { votes, ...rest } = item as unknown as StoredApproval;
  return { ...rest, votes: votes ?? [] };
}

/**
 * Claims the plan for `executionArn`: the first execution for a plan claims it, and its own
 * retries find it theirs. Returns whether the plan is this execution's.
 */
export async function claimPlan(
  claim: Omit<StoredPlan, 'status' | 'decision'>,
): Promise<'claimed' | 'taken'> {
  try {
    await plan.create({ ...claim, status: 'open' }).go();
    return 'claimed';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const existing = await getPlan(claim.changeId, claim.planId);
    return existing?.executionArn === claim.executionArn ? 'claimed' : 'taken';
  }
}

/** Creates the approvals not created yet (a retried `open` finds some, with votes maybe). */
export async function createApprovals(
  approvals: readonly Omit<StoredApproval, 'votes' | 'version'>[],
): Promise<void> {
  await Promise.all(
    approvals.map(async (record) => {
      try {
        await approval.create({ ...record, votes: [], version: 0 }).go();
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }),
  );
}

export async function getPlan(changeId: string, planId: string): Promise<StoredPlan | undefined> {
  const { data } = await plan.get({ changeId, planId }).go({ consistent: true });
  return data ? toPlan(data) : undefined;
}

/** Every plan of a change (one per submission), oldest first. */
export async function listPlans(changeId: string): Promise<StoredPlan[]> {
  const { data } = await plan.query.primary({ changeId }).go({ consistent: true, pages: 'all' });
  return data
    .map(toPlan)
    .sort((a, b) => Date.parse(a.plan.requestedAt) - Date.parse(b.plan.requestedAt));
}

/** A plan with its approvals and every vote cast on them. */
export interface PlanState {
  stored: StoredPlan;
  approvals: StoredApproval[];
  votes: Vote[];
}

export async function getPlanState(changeId: string, planId: string): Promise<PlanState> {
  const [stored, approvals] = await Promise.all([
    getPlan(changeId, planId),
    listApprovals(changeId, planId),
  ]);
  if (!stored) throw new NotFoundError(`No approval plan ${planId} for change ${changeId}.`);
  return { stored, approvals, votes: approvals.flatMap((record) => record.votes) };
}

/** The id of the change numbered `number` (CHG…), through the change's number index. */
export async function changeIdByNumber(number: string): Promise<string | undefined> {
  const { data } = await change.query.byNumber({ number }).go({ limit: 1, attributes: ['id'] });
  return data[0]?.id;
}

export async function listApprovals(changeId: string, planId: string): Promise<StoredApproval[]> {
  const { data } = await approval.query
    .primary({ changeId, planId })
    .go({ consistent: true, pages: 'all' });
  return data.map(toApproval);
}

/** Stores the token of the task now waiting for the approval's next vote. */
export async function storeTaskToken(
  key: Pick<StoredApproval, 'changeId' | 'planId' | 'approvalId'>,
  taskToken: string,
  at: string,
): Promise<void> {
  await approval.patch(key).set({ taskToken, taskIssuedAt: at }).go();
}

/**
 * Appends a vote to an approval, provided the plan is still open and nobody voted on the
 * approval since it was read (TransactionConflictError: read again and retry).
 */
/** Appends a vote, with the Idempotency-Key claim of the request that cast it if any. */
export async function appendVote(
  current: StoredApproval,
  vote: Vote,
  claim: IdempotencyClaim | undefined,
): Promise<void> {
  const { changeId, planId, approvalId } = current;
  const result = await store.transaction
    .write(({ plan, approval, idempotency }) => [
      ...(claim ? [idempotency.create(claim).commit()] : []),
      plan
        .check({ changeId, planId })
        .where((attributes, { eq }) => eq(attributes.status, 'open'))
        .commit(),
      approval
        .patch({ changeId, planId, approvalId })
        .append({ votes: [vote] })
        .set({ version: current.version + 1 })
        .where((attributes, { eq }) => eq(attributes.version, current.version))
        .commit(),
    ])
    .go();
  if (!result.canceled) return;
  const reasons = (result.data as { code: string }[]).map((reason) => reason.code);
  if (claim && reasons.shift() === 'ConditionalCheckFailed') throw new IdempotencyKeyTakenError();
  const [planCheck, approvalUpdate] = reasons;
  if (planCheck === 'ConditionalCheckFailed') {
    throw new ConflictError('The authorization was decided or withdrawn meanwhile.');
  }
  if (approvalUpdate === 'ConditionalCheckFailed' || planCheck === 'TransactionConflict') {
    throw new TransactionConflictError();
  }
  throw new TransactionConflictError(`Vote not written: ${planCheck}, ${approvalUpdate}`);
}

/**
 * Ends an open plan: decided (with the record) or withdrawn. Returns the plan as it stands,
 * which is the earlier ending when another one came first.
 */
export async function endPlan(
  current: StoredPlan,
  ending: { status: 'decided'; decision: ApprovalDecisionRecord } | { status: 'withdrawn' },
): Promise<StoredPlan> {
  const { changeId, planId } = current;
  try {
    await plan
      .patch({ changeId, planId })
      .set(ending)
      .where((attributes, { eq }) => eq(attributes.status, 'open'))
      .go();
    return { ...current, ...ending };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const ended = await getPlan(changeId, planId);
    if (!ended) throw error;
    return ended;
  }
}

/** Writes an outbox event once: its id is derived, so a second attempt finds it there. */
export async function publishOnce(event: OutboxEvent): Promise<void> {
  try {
    await outbox.create(outboxItem(event)).go();
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Writes a new delegation, with the Idempotency-Key claim of its request if any. */
export async function createDelegation(
  record: StoredDelegation,
  claim: IdempotencyClaim | undefined,
): Promise<void> {
  await commitTransaction(
    store.transaction
      .write(({ delegation, idempotency }) => [
        ...(claim ? [idempotency.create(claim).commit()] : []),
        delegation
          .create({
            ...record,
            expiresAt: Math.floor(Date.parse(record.to) / 1000) + DELEGATION_RETENTION_SECONDS,
          })
          .commit(),
      ])
      .go(),
    { items: [], idempotency: claim },
  );
}

function toDelegation(item: Record<string, unknown>): StoredDelegation {
  const { expiresAt: _ttl, ...record } = item as unknown as StoredDelegation & {
    expiresAt: number;
  };
  return record;
}

/** The delegations `delegator` gave, newest first. */
export async function delegationsGivenBy(
  delegator: string,
  limit?: number,
): Promise<StoredDelegation[]> {
  const { data } = await delegation.query
    .primary({ delegator })
    .go({ order: 'desc', consistent: true, ...(limit ? { limit } : { pages: 'all' }) });
  return data.map(toDelegation);
}

/** The delegations `delegate` received, newest first (an index: eventually consistent). */
export async function delegationsReceivedBy(
  delegate: string,
  limit?: number,
): Promise<StoredDelegation[]> {
  const { data } = await delegation.query
    .byDelegate({ delegate })
    .go({ order: 'desc', ...(limit ? { limit } : { pages: 'all' }) });
  return data.map(toDelegation);
}

export async function getDelegation(
  delegator: string,
  delegationId: string,
): Promise<StoredDelegation | undefined> {
  const { data } = await delegation.get({ delegator, delegationId }).go({ consistent: true });
  return data ? toDelegation(data) : undefined;
}

export async function revokeDelegation(
  current: StoredDelegation,
  revokedAt: string,
): Promise<StoredDelegation> {
  const { delegator, delegationId } = current;
  await delegation
    .patch({ delegator, delegationId })
    .set({ revokedAt })
    .where((attributes, { notExists }) => notExists(attributes.revokedAt))
    .go()
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  return (await getDelegation(delegator, delegationId)) ?? { ...current, revokedAt };
}
