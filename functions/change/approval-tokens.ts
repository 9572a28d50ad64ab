import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';

/**
 * Answers the approval workflow's waiting tasks through their task tokens. A token whose task
 * has ended (answered already, its iteration stopped, its execution over) is gone: the caller
 * moves on, since the workflow reads the votes again whenever it waits anew.
 */
const sfn = new SFNClient({});

/** What Step Functions answers for a token that no longer has a task waiting. */
const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

type Answer = 'answered' | 'gone';

async function answer(send: () => Promise<unknown>): Promise<Answer> {
  try {
    await send();
    return 'answered';
  } catch (error) {
    if (error instanceof Error && GONE.has(error.name)) return 'gone';
    throw error;
  }
}

export function completeTask(taskToken: string, output: unknown): Promise<Answer> {
  return answer(() =>
    sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
  );
}

function failTask(taskToken: string, error: Error): Promise<Answer> {
  return answer(() =>
    sfn.send(
      new SendTaskFailureCommand({
        taskToken,
        error: error.name,
        // Step Functions takes at most 32,768 characters of cause.
        cause: error.message.slice(0, 32_768),
      }),
    ),
  );
}

/**
 * Fails the first task still waiting among `taskTokens`: failing one fails the Map of the
 * approvals, which ends all of them. Returns whether one was waiting.
 */
export async function failAnyTask(taskTokens: readonly string[], error: Error): Promise<boolean> {
  for (const taskToken of taskTokens) {
    if ((await failTask(taskToken, error)) === 'answered') return true;
  }
  return false;
}
