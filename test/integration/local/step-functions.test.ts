import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../../local/dynamodb';
import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime';
import { SFN_FIXTURE, synthesizeStepFunctionsApp } from './step-functions-app';

// The fixture CDK app's approval workflow in the whole local runtime, driven like a deployed
// one: events on the bus, the AWS SDK against the local Step Functions endpoint.
const TIME_SCALE = 0.001;
/** Long enough, scaled, that no test reaches it unless it means to (10 s). */
const PATIENT_SECONDS = 10_000;

let dir: string;
let runtime: LocalRuntime;
let sfn: SFNClient;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
const lines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'step-functions-'));
  runtime = await startLocalRuntime({
    dataDir: join(dir, 'data'),
    apiPort: 0,
    inMemory: true,
    assemblyDir: synthesizeStepFunctionsApp(join(dir, 'cdk.out')),
    stepFunctionsTimeScale: TIME_SCALE,
    log: (line) => lines.push(line),
  });
  sfn = new SFNClient({ ...LOCAL_AWS, endpoint: runtime.stepFunctionsEndpoint });
  dynamo = new DynamoDBClient({ ...LOCAL_AWS, endpoint: runtime.dynamoEndpoint });
  sqs = new SQSClient({ ...LOCAL_AWS, endpoint: runtime.sqsEndpoint });
}, 120_000);

afterAll(async () => {
  for (const client of [sfn, dynamo, sqs]) client?.destroy();
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function machineArn(logicalIdPrefix: string): string {
  const machine = runtime.wiring.stateMachines.find((candidate) =>
    candidate.logicalId.startsWith(logicalIdPrefix),
  );
  if (!machine) throw new Error(`No state machine ${logicalIdPrefix}`);
  return machine.arn;
}

async function eventually<T>(find: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; log:\n${lines.join('\n')}`);
    await sleep(25);
  }
}

interface Change {
  changeId: string;
  impact?: number;
  approvalTimeoutSeconds?: number;
  heartbeatSeconds?: number;
}

/** Puts ChangeSubmitted on the bus; resolves with the execution its rule started. */
async function submit(change: Change): Promise<string> {
  const bus = runtime.buses.get(SFN_FIXTURE.busName);
  await bus?.put([
    {
      source: 'fixture.changes',
      detailType: 'ChangeSubmitted',
      detail: {
        approvalTimeoutSeconds: PATIENT_SECONDS,
        heartbeatSeconds: PATIENT_SECONDS,
        ...change,
      },
    },
  ]);
  return eventually(async () => {
    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn(SFN_FIXTURE.approval) }),
    );
    for (const { executionArn } of executions) {
      const { input } = await describeExecution(executionArn);
      if (JSON.parse(input ?? '{}').changeId === change.changeId) return executionArn;
    }
    return undefined;
  }, `the execution for ${change.changeId}`);
}

function describeExecution(
  executionArn: string | undefined,
): Promise<DescribeExecutionCommandOutput> {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return eventually(async () => {
    const execution = await describeExecution(executionArn);
    return execution.status === 'RUNNING' ? undefined : execution;
  }, `${executionArn} to finish`);
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return events;
}

/** The task token the approval function stored for the change. */
function storedToken(changeId: string): Promise<string> {
  return eventually(async () => {
    const { Item } = await dynamo.send(
      new GetItemCommand({
        TableName: runtime.tableNames[tableLogicalId()],
        Key: { pk: { S: `APPROVAL#${changeId}` }, sk: { S: 'token' } },
      }),
    );
    return Item?.token?.S;
  }, `the token of ${changeId}`);
}

function tableLogicalId(): string {
  return Object.keys(runtime.tableNames).find((id) => id.startsWith(SFN_FIXTURE.table)) ?? '';
}

function outputOf(execution: DescribeExecutionCommandOutput): Record<string, unknown> {
  return JSON.parse(execution.output ?? 'null');
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

describe('state machines in the local runtime', () => {
  it('starts the workflow from a rule; a low-risk change is approved by policy, recorded, settled and announced', async () => {
    const executionArn = await submit({ changeId: 'CHG-1', impact: 1 });
    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(outputOf(execution)).toEqual({
      changeId: 'CHG-1',
      impact: 1,
      approvalTimeoutSeconds: PATIENT_SECONDS,
      heartbeatSeconds: PATIENT_SECONDS,
      assessment: { risk: 'low' },
      decision: { verdict: 'approved', by: 'policy' },
      recorded: { verdict: 'approved' },
      announcement: { failed: 0 },
    });
    const events = await history(executionArn);
    expect(
      events.map((event) => {
        const name = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
        return name ? `${event.type} ${name}` : event.type;
      }),
    ).toEqual([
      'ExecutionStarted',
      'TaskStateEntered Assess',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited Assess',
      'ChoiceStateEntered Route',
      'ChoiceStateExited Route',
      'PassStateEntered AutoApproved',
      'PassStateExited AutoApproved',
      'TaskStateEntered Record',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited Record',
      'TaskStateEntered ReadBack',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited ReadBack',
      'WaitStateEntered Settle',
      'WaitStateExited Settle',
      'TaskStateEntered Announce',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited Announce',
      'SucceedStateEntered Done',
      'SucceedStateExited Done',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    const [waitEntered, waitExited] = events.filter((event) => event.type?.startsWith('WaitState'));
    const waited = Number(waitExited?.timestamp) - Number(waitEntered?.timestamp);
    expect(waited).toBeGreaterThanOrEqual(SFN_FIXTURE.settleSeconds * 1000 * TIME_SCALE - 5);
    expect(waited).toBeLessThan(SFN_FIXTURE.settleSeconds * 1000 * TIME_SCALE * 10);

    const decisionsUrl = runtime.wiring.queues.find((queue) =>
      queue.logicalId.startsWith(SFN_FIXTURE.decisions),
    )?.url;
    const message = await eventually(async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: decisionsUrl, WaitTimeSeconds: 1 }),
      );
      return Messages?.[0];
    }, 'the ChangeDecided event');
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: decisionsUrl, ReceiptHandle: message.ReceiptHandle }),
    );
    expect(JSON.parse(message.Body ?? '{}')).toMatchObject({
      source: 'fixture.changes',
      'detail-type': 'ChangeDecided',
      detail: { changeId: 'CHG-1', verdict: 'approved' },
    });
  });

  it('waits for the approver: SendTaskSuccess with the stored token completes the task once', async () => {
    const executionArn = await submit({ changeId: 'CHG-2', impact: 5 });
    const token = await storedToken('CHG-2');
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({ verdict: 'approved', by: 'cab' }),
      }),
    );
    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(outputOf(execution)).toMatchObject({
      decision: { verdict: 'approved', by: 'cab' },
      recorded: { verdict: 'approved' },
    });
    const events = await history(executionArn);
    const scheduled = events.find(
      (event) =>
        event.type === 'TaskScheduled' &&
        event.taskScheduledEventDetails?.resourceType === 'lambda',
    )?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({
      resource: 'invoke.waitForTaskToken',
      timeoutInSeconds: PATIENT_SECONDS,
      heartbeatInSeconds: PATIENT_SECONDS,
    });
    expect(JSON.parse(scheduled?.parameters ?? '{}').Payload).toEqual({ token, changeId: 'CHG-2' });
    const approvalEvents = events.slice(
      events.findIndex((event) => event.stateEnteredEventDetails?.name === 'AwaitApproval'),
      events.findIndex((event) => event.stateExitedEventDetails?.name === 'AwaitApproval') + 1,
    );
    expect(approvalEvents.map((event) => event.type)).toEqual([
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
    ]);
    expect(approvalEvents[4]?.taskSucceededEventDetails?.output).toBe(
      '{"verdict":"approved","by":"cab"}',
    );

    const late = await rejection(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    );
    expect(late.name).toBe('TaskTimedOut');
    const forged = await rejection(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    );
    expect(forged.name).toBe('InvalidToken');
  });

  it('lets a function complete its own task token through AWS_ENDPOINT_URL_SFN', async () => {
    const execution = await finished(await submit({ changeId: 'CHG-3', impact: 2 }));

    expect(execution.status).toBe('SUCCEEDED');
    expect(outputOf(execution)).toMatchObject({
      assessment: { risk: 'medium' },
      decision: { verdict: 'approved', by: 'delegate' },
    });
  });

  it('times out an unanswered approval (TimeoutSecondsPath, scaled) into the Catch', async () => {
    const executionArn = await submit({
      changeId: 'CHG-4',
      impact: 5,
      approvalTimeoutSeconds: 300,
    });
    const token = await storedToken('CHG-4');
    const execution = await finished(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(outputOf(execution)).toMatchObject({
      decision: { verdict: 'expired', by: 'policy' },
      timeout: { Error: 'States.Timeout' },
      recorded: { verdict: 'expired' },
    });
    const types = (await history(executionArn)).map((event) => event.type);
    expect(types).toContain('TaskTimedOut');
    expect(types).toContain('PassStateEntered');
    const late = await rejection(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    );
    expect(late.name).toBe('TaskTimedOut');
  });

  it('keeps a task alive while heartbeats come, and times it out when they stop', async () => {
    const beating = await submit({ changeId: 'CHG-5', impact: 5, heartbeatSeconds: 1000 });
    const silent = await submit({ changeId: 'CHG-6', impact: 5, heartbeatSeconds: 1000 });
    const token = await storedToken('CHG-5');
    for (let beat = 0; beat < 15; beat++) {
      await sleep(100);
      await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    }
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify({ verdict: 'approved' }),
      }),
    );

    expect(outputOf(await finished(beating))).toMatchObject({ decision: { verdict: 'approved' } });
    const timedOut = await finished(silent);
    expect(outputOf(timedOut)).toMatchObject({
      decision: { verdict: 'expired' },
      timeout: { Error: 'States.HeartbeatTimeout' },
    });
  });

  it("fails the execution with the approver's error on SendTaskFailure", async () => {
    const executionArn = await submit({ changeId: 'CHG-7', impact: 5 });
    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: await storedToken('CHG-7'),
        error: 'Rejected',
        cause: 'not in this window',
      }),
    );
    const execution = await finished(executionArn);

    expect(execution).toMatchObject({
      status: 'FAILED',
      error: 'Rejected',
      cause: 'not in this window',
    });
    const types = (await history(executionArn)).map((event) => event.type);
    expect(types.slice(-2)).toEqual(['TaskFailed', 'ExecutionFailed']);
  });

  it("fails the execution with a function's error type and Lambda's error as cause", async () => {
    const execution = await finished(await submit({ changeId: 'CHG-8' }));

    expect(execution).toMatchObject({ status: 'FAILED', error: 'ValidationError' });
    expect(JSON.parse(execution.cause ?? '{}')).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: 'impact is required',
    });
  });

  it('aborts a waiting execution on StopExecution and closes its task token', async () => {
    const executionArn = await submit({ changeId: 'CHG-9', impact: 5 });
    const token = await storedToken('CHG-9');

    await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Withdrawn', cause: 'by the requester' }),
    );

    expect(await describeExecution(executionArn)).toMatchObject({
      status: 'ABORTED',
      error: 'Withdrawn',
      cause: 'by the requester',
      stopDate: expect.any(Date),
    });
    expect((await history(executionArn)).at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Withdrawn', cause: 'by the requester' },
    });
    const late = await rejection(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    );
    expect(late.name).toBe('TaskTimedOut');
  });

  it('answers StartExecution like AWS: one execution per name, errors for unknown resources', async () => {
    const stateMachineArn = machineArn(SFN_FIXTURE.approval);
    const input = JSON.stringify({
      changeId: 'CHG-10',
      impact: 5,
      approvalTimeoutSeconds: PATIENT_SECONDS,
      heartbeatSeconds: PATIENT_SECONDS,
    });
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'chg-10', input }),
    );
    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'chg-10', input }),
    );

    expect(first.executionArn).toBe(
      `${stateMachineArn.replace(':stateMachine:', ':execution:')}:chg-10`,
    );
    expect(again.executionArn).toBe(first.executionArn);
    const other = await rejection(
      sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'chg-10', input: '{}' })),
    );
    expect(other.name).toBe('ExecutionAlreadyExists');
    const unknownMachine = await rejection(
      sfn.send(new StartExecutionCommand({ stateMachineArn: `${stateMachineArn}-nope` })),
    );
    expect(unknownMachine.name).toBe('StateMachineDoesNotExist');
    const unknownExecution = await rejection(describeExecution(`${first.executionArn}-nope`));
    expect(unknownExecution.name).toBe('ExecutionDoesNotExist');
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
  });

  it('fails executions that reach an unsupported integration, naming it', async () => {
    const stateMachineArn = machineArn(SFN_FIXTURE.unsupported);
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
    const execution = await finished(executionArn ?? '');

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(execution.cause).toContain('aws-sdk:s3:listBuckets');
    expect(lines).toContainEqual(
      expect.stringContaining('ListBuckets (arn:aws:states:::aws-sdk:s3:listBuckets)'),
    );
  });
});
