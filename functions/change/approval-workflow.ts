import {
  type ApprovalDecisionRecord,
  ChangeSubmittedForAuthorization,
  type VoteChoice,
} from '../../shared/events/changes';
import * as z from '../../shared/zod';

/**
 * The contract between the approval state machine (infra/constructs/change-approvals.ts) and
 * its functions: the tasks' payloads and results, and the error names the definition's Catch
 * and Retry match. Free of side effects, so that the CDK app can import it.
 */

/**
 * Ends every approval's waiting at once: the Map iteration whose task fails with it fails the
 * Map, which fails the Parallel around it and stops the timers. Raised by the approvals API
 * (SendTaskFailure) when a vote decides, and by a task that finds the plan decided.
 */
export class ApprovalDecidedError extends Error {
  override readonly name = 'ApprovalDecidedError';

  /** The error that tells the workflow of `record`, the decision, as its cause. */
  static of(record: ApprovalDecisionRecord): ApprovalDecidedError {
    return new ApprovalDecidedError(`${record.outcome}: ${record.reasons.join(' ')}`);
  }
}

/** The execution that started second for a plan ends at once: another one holds the claim. */
export class ApprovalPlanClaimedError extends Error {
  override readonly name = 'ApprovalPlanClaimedError';
}

/**
 * The change was canceled while under authorization: the approvals end without a decision.
 * Raised like ApprovalDecidedError, by the withdrawal (the cancellation's event) and by a task
 * that finds the plan withdrawn.
 */
export class ApprovalWithdrawnError extends Error {
  override readonly name = 'ApprovalWithdrawnError';
}

/** The Fail state at the end of the timers' branch: the deadline came first. */
export const DEADLINE_REACHED_ERROR = 'ApprovalDeadlineReachedError';

/** First state: claims the plan and creates one approval per approver. */
const OpenTaskSchema = z.object({
  task: z.literal('open'),
  executionArn: z.string(),
  /** The ChangeSubmittedForAuthorization detail (the rule's target input is `$.detail`). */
  detail: ChangeSubmittedForAuthorization.detail,
});

const PlanRefSchema = z.object({ changeId: z.string(), planId: z.string() });

/** One approval's `.waitForTaskToken` task: stores the token for the next vote. */
const AwaitVoteTaskSchema = z.extend(PlanRefSchema, {
  task: z.literal('await-vote'),
  taskToken: z.string(),
  approvalId: z.string(),
});

/** The reminder time has come: remind those who have not voted. */
const RemindTaskSchema = z.extend(PlanRefSchema, { task: z.literal('remind') });

/** Decided, or the deadline came: record the decision on the change. */
const RecordTaskSchema = z.extend(PlanRefSchema, { task: z.literal('record') });

/**
 * Not a state: the rule on a change's cancellation while under authorization invokes the
 * function with it, to end the plan's waiting.
 */
const WithdrawTaskSchema = z.object({
  task: z.literal('withdraw'),
  changeId: z.string(),
  /** The snapshot's approvalPlanId; null (the rule's input) when the change had none. */
  planId: z.nullish(z.string()),
});

export const ApprovalTaskInputSchema = z.discriminatedUnion('task', [
  OpenTaskSchema,
  AwaitVoteTaskSchema,
  RemindTaskSchema,
  RecordTaskSchema,
  WithdrawTaskSchema,
]);
export type ApprovalTaskInput = z.infer<typeof ApprovalTaskInputSchema>;

/**
 * What the workflow carries after `open` (it replaces the event): the ids its tasks need and
 * the two instants its timers wait for.
 */
export interface WorkflowState {
  changeId: string;
  changeNumber: string;
  planId: string;
  /** The Map's items: one iteration per approval. */
  approvalIds: string[];
  remindAt: string;
  deadline: string;
}

/** The output a vote completes its approval's task with (SendTaskSuccess), for the history. */
export interface VoteTaskOutput {
  approvalId: string;
  vote: VoteChoice;
  castBy: string;
}

/**
 * What `record` returns, for the execution's output: whether the change took the decision
 * (not when it was canceled meanwhile), the outcome it took, and why not.
 */
export interface RecordResult {
  recorded: boolean;
  outcome?: 'approved' | 'rejected';
  timedOut?: boolean;
  reason?: string;
}
