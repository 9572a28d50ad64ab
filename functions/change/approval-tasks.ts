import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../../shared/observability/powertools';
import {
  awaitVote,
  openApprovals,
  recordDecision,
  remind,
  withdrawApprovals,
} from './approval-steps';
import { ApprovalTaskInputSchema } from './approval-workflow';

/**
 * The approval workflow's function: every task of the state machine names itself in `task`
 * (approval-workflow.ts), and the rule on a canceled change invokes it with `withdraw`. One
 * function, so that a warm environment serves them all. Errors are the workflow's signals:
 * their names are what its Catch matches.
 */
async function run(event: unknown): Promise<unknown> {
  const input = ApprovalTaskInputSchema.parse(event);
  const now = new Date().toISOString();
  logger.appendKeys({ task: input.task });
  switch (input.task) {
    case 'open':
      return openApprovals(input, now);
    case 'await-vote':
      // The task waits for its token; what the function returns is not its result.
      await awaitVote(input, now);
      return { waiting: input.approvalId };
    case 'remind':
      return remind(input, now);
    case 'record':
      return recordDecision(input, now);
    case 'withdraw':
      return withdrawApprovals(input);
  }
}

export const handler = middy(run).use(injectLambdaContext(logger, { resetKeys: true }));
