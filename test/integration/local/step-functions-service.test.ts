import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { PutEventsEntry } from '../../../local/event-bus';
import { LambdaInvocationError } from '../../../local/lambda-host';
import {
  type ExecutionDescription,
  LocalStepFunctions,
  type LocalStepFunctionsOptions,
} from '../../../local/step-functions';
import { startStepFunctionsEndpoint } from '../../../local/step-functions-http';

// The service on hand-written definitions, with functions and a bus faked in-process, for the
// parts of the States Language the fixture app does not reach.
const ACCOUNT = 'us-east-1:000000000000';
const arnOf = (name: string) => `arn:aws:states:${ACCOUNT}:stateMachine:${name}`;
const functionArn = (name: string) => `arn:aws:lambda:${ACCOUNT}:function:${name}`;

let service: LocalStepFunctions | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

function start(
  definitions: Record<string, object>,
  options: Partial<LocalStepFunctionsOptions> = {},
): LocalStepFunctions {
  service = new LocalStepFunctions({
    stateMachines: Object.entries(definitions).map(([name, definition]) => ({
      logicalId: name,
      name,
      arn: arnOf(name),
      definition: JSON.stringify(definition),
      type: 'STANDARD',
    })),
    invokeFunction: async () => ({}),
    putEvents: async () => ({ eventIds: ['event-1'] }),
    timeScale: 0.001,
    log: () => {},
    ...options,
  });
  return service;
}

async function run(name: string, input: unknown = {}): Promise<ExecutionDescription> {
  const stepFunctions = service as LocalStepFunctions;
  const { executionArn } = stepFunctions.startExecution({
    stateMachineArn: arnOf(name),
    input: JSON.stringify(input),
  });
  return finished(executionArn);
}

async function finished(executionArn: string): Promise<ExecutionDescription> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const execution = (service as LocalStepFunctions).describeExecution({ executionArn });
    if (execution.status !== 'RUNNING') return execution;
    if (Date.now() > deadline) throw new Error(`${executionArn} is still running`);
    await sleep(10);
  }
}

const output = (execution: ExecutionDescription) => JSON.parse(execution.output ?? 'null');

describe('a journal of running executions', () => {
  it('starts the executions a restart interrupted again, under the same ARN and input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfn-journal-'));
    const journalFile = join(dir, 'running-executions.json');
    const tokens: string[] = [];
    const definitions = {
      approve: {
        StartAt: 'Await',
        States: {
          Await: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: {
              FunctionName: functionArn('approver'),
              Payload: { 'token.$': '$$.Task.Token', 'input.$': '$' },
            },
            End: true,
          },
        },
      },
      quick: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
    };
    const options = {
      journalFile,
      invokeFunction: async (_name: string, payload: unknown) => {
        tokens.push((payload as { token: string }).token);
        return payload;
      },
    };
    try {
      const before = start(definitions, options);
      const { executionArn } = before.startExecution({
        stateMachineArn: arnOf('approve'),
        name: 'change-42',
        input: '{"changeId":"42"}',
      });
      expect((await run('quick')).status).toBe('SUCCEEDED');
      while (tokens.length < 1) await sleep(10);
      await before.stop();
      expect(before.describeExecution({ executionArn }).status).toBe('ABORTED');

      const after = start(definitions, options);
      expect(after.resumeExecutions()).toBe(1);
      const resumed = after.describeExecution({ executionArn });
      expect(resumed).toMatchObject({ status: 'RUNNING', input: '{"changeId":"42"}' });
      while (tokens.length < 2) await sleep(10);
      after.sendTaskSuccess({ taskToken: tokens[1] ?? '', output: '{"approved":true}' });

      expect(output(await finished(executionArn))).toEqual({ approved: true });
      expect(JSON.parse(readFileSync(journalFile, 'utf8'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Wait states', () => {
  const waits = {
    StartAt: 'BySeconds',
    States: {
      BySeconds: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'ByTimestamp' },
      ByTimestamp: { Type: 'Wait', TimestampPath: '$.until', Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };

  it('wait SecondsPath and TimestampPath, scaled, and pass their input on', async () => {
    start({ waits });
    const input = { seconds: 200, until: new Date(Date.now() + 300_000).toISOString() };
    const startedAt = Date.now();
    const execution = await run('waits', input);

    const elapsed = Date.now() - startedAt;
    expect(execution.status).toBe('SUCCEEDED');
    expect(output(execution)).toEqual(input);
    expect(elapsed).toBeGreaterThanOrEqual(500 - 10);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('take real time without a time scale', async () => {
    start(
      {
        oneSecond: { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 1, End: true } } },
      },
      { timeScale: undefined },
    );
    const startedAt = Date.now();
    const execution = await run('oneSecond');

    expect(execution.status).toBe('SUCCEEDED');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(990);
  });
});

describe('Task states', () => {
  it('retry a failing function after the scaled interval, then take its result', async () => {
    let calls = 0;
    start(
      {
        retrying: {
          StartAt: 'Flaky',
          States: {
            Flaky: {
              Type: 'Task',
              Resource: functionArn('flaky'),
              Retry: [
                { ErrorEquals: ['Busy'], IntervalSeconds: 100, MaxAttempts: 3, BackoffRate: 1 },
              ],
              End: true,
            },
          },
        },
      },
      {
        invokeFunction: async (name, payload) => {
          calls += 1;
          if (calls < 3) throw new LambdaInvocationError('Busy', 'try again');
          return { name, payload, calls };
        },
      },
    );
    const startedAt = Date.now();
    const execution = await run('retrying', { a: 1 });

    expect(output(execution)).toEqual({ name: 'flaky', payload: { a: 1 }, calls: 3 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(200 - 10);
    const types = (service as LocalStepFunctions)
      .getExecutionHistory({ executionArn: execution.executionArn })
      .events.map((event) => event.type);
    expect(types.filter((type) => type === 'LambdaFunctionFailed')).toHaveLength(2);
  });

  it('do not let States.TaskFailed catch a timeout, but States.Timeout does', async () => {
    start({
      slow: {
        StartAt: 'Hang',
        States: {
          Hang: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: 'approver', Payload: { 'token.$': '$$.Task.Token' } },
            TimeoutSeconds: 100,
            Catch: [
              { ErrorEquals: ['States.TaskFailed'], Next: 'Failed' },
              { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' },
            ],
            End: true,
          },
          Failed: { Type: 'Fail', Error: 'WrongCatcher' },
          TimedOut: { Type: 'Pass', End: true },
        },
      },
    });
    const execution = await run('slow');

    expect(execution.status).toBe('SUCCEEDED');
    expect(output(execution).error.Error).toBe('States.Timeout');
  });

  it('give each concurrent task its own token, and the context object its values', async () => {
    const tokens = new Map<string, string>();
    start(
      {
        parallel: {
          StartAt: 'Both',
          States: {
            Both: {
              Type: 'Parallel',
              Branches: ['Left', 'Right'].map((branch) => ({
                StartAt: branch,
                States: {
                  [branch]: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                    Parameters: {
                      FunctionName: functionArn('approver'),
                      Payload: {
                        branch,
                        'token.$': '$$.Task.Token',
                        'execution.$': '$$.Execution.Id',
                        'machine.$': '$$.StateMachine.Name',
                      },
                    },
                    End: true,
                  },
                },
              })),
              End: true,
            },
          },
        },
      },
      {
        invokeFunction: async (_name, payload) => {
          const { branch, token } = payload as { branch: string; token: string };
          tokens.set(branch, token);
          return payload;
        },
      },
    );
    const stepFunctions = service as LocalStepFunctions;
    const { executionArn } = stepFunctions.startExecution({ stateMachineArn: arnOf('parallel') });
    while (tokens.size < 2) await sleep(10);
    stepFunctions.sendTaskSuccess({ taskToken: tokens.get('Right') ?? '', output: '"right"' });
    stepFunctions.sendTaskSuccess({ taskToken: tokens.get('Left') ?? '', output: '"left"' });
    const execution = await finished(executionArn);

    expect(tokens.get('Left')).not.toBe(tokens.get('Right'));
    expect(output(execution)).toEqual(['left', 'right']);
    const scheduled = stepFunctions
      .getExecutionHistory({ executionArn })
      .events.filter((event) => event.type === 'TaskScheduled')
      .map(
        (event) =>
          JSON.parse((event.taskScheduledEventDetails as { parameters: string }).parameters)
            .Payload,
      );
    expect(scheduled).toContainEqual(
      expect.objectContaining({ execution: executionArn, machine: 'parallel', branch: 'Left' }),
    );
  });

  it('end the tasks and waits of the siblings of a failed Map iteration or Parallel branch', async () => {
    const tokens = new Map<string, string>();
    const awaitToken = (name: string) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: 'holder',
        Payload: { 'name.$': name, 'token.$': '$$.Task.Token' },
      },
      End: true,
    });
    const hold = (state: string, name: string) => ({
      StartAt: state,
      States: { [state]: awaitToken(name) },
    });
    start(
      {
        stopping: {
          StartAt: 'All',
          States: {
            All: {
              Type: 'Parallel',
              Branches: [
                hold('Single', '$.single'),
                {
                  StartAt: 'Each',
                  States: {
                    Each: {
                      Type: 'Map',
                      ItemsPath: '$.items',
                      ItemProcessor: hold('Item', '$'),
                      End: true,
                    },
                  },
                },
                {
                  StartAt: 'Pause',
                  States: { Pause: { Type: 'Wait', Seconds: 100_000, End: true } },
                },
              ],
              Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Linger' }],
              End: true,
            },
            // The execution goes on: only the end of the failed Parallel stops the others.
            Linger: { Type: 'Wait', Seconds: 100_000, End: true },
          },
        },
      },
      {
        invokeFunction: async (_name, payload) => {
          const { name, token } = payload as { name: string; token: string };
          tokens.set(name, token);
          return {};
        },
      },
    );
    const stepFunctions = service as LocalStepFunctions;
    const { executionArn } = stepFunctions.startExecution({
      stateMachineArn: arnOf('stopping'),
      input: JSON.stringify({ single: 'single', items: ['first', 'second'] }),
    });
    while (tokens.size < 3) await sleep(10);

    stepFunctions.sendTaskFailure({ taskToken: tokens.get('first') ?? '', error: 'Decided' });
    const linger = async () =>
      stepFunctions
        .getExecutionHistory({ executionArn })
        .events.some(
          (event) =>
            (event.stateEnteredEventDetails as { name?: string } | undefined)?.name === 'Linger',
        );
    while (!(await linger())) await sleep(10);

    expect(stepFunctions.describeExecution({ executionArn }).status).toBe('RUNNING');
    for (const sibling of ['second', 'single']) {
      expect(() =>
        stepFunctions.sendTaskSuccess({ taskToken: tokens.get(sibling) ?? '', output: '{}' }),
      ).toThrow(expect.objectContaining({ code: 'TaskTimedOut' }));
    }
  });

  it('publish events, and fail with EventBridge.FailedEntry when a bus refuses one', async () => {
    const published: { bus: string; entries: PutEventsEntry[] }[] = [];
    const putEvents = {
      Type: 'Task',
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: {
        Entries: [
          {
            'EventBusName.$': '$.bus',
            Source: 'test',
            DetailType: 'Happened',
            'Detail.$': '$.detail',
          },
        ],
      },
      End: true,
    };
    start(
      { publish: { StartAt: 'Put', States: { Put: putEvents } } },
      {
        putEvents: async (bus, entries) => {
          if (bus === 'missing') throw new Error('No such bus');
          published.push({ bus, entries });
          return { eventIds: ['id-1'] };
        },
      },
    );

    const delivered = await run('publish', { bus: 'itsm', detail: { n: 1 } });
    const refused = await run('publish', { bus: 'missing', detail: { n: 2 } });

    expect(output(delivered)).toEqual({ Entries: [{ EventId: 'id-1' }], FailedEntryCount: 0 });
    expect(published).toEqual([
      { bus: 'itsm', entries: [{ source: 'test', detailType: 'Happened', detail: { n: 1 } }] },
    ]);
    expect(refused).toMatchObject({ status: 'FAILED', error: 'EventBridge.FailedEntry' });
    expect(JSON.parse(refused.cause ?? '{}')).toEqual({
      Entries: [{ ErrorCode: 'Error', ErrorMessage: 'No such bus' }],
      FailedEntryCount: 1,
    });
  });
});

describe('executions', () => {
  it('time out after the machine TimeoutSeconds, scaled', async () => {
    start({
      bounded: {
        TimeoutSeconds: 100,
        StartAt: 'Pause',
        States: { Pause: { Type: 'Wait', Seconds: 10_000, End: true } },
      },
    });
    const execution = await run('bounded');

    expect(execution).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const events = (service as LocalStepFunctions).getExecutionHistory({
      executionArn: execution.executionArn,
    }).events;
    expect(events.at(-1)?.type).toBe('ExecutionTimedOut');
  });

  it('fail at once for a definition that cannot run locally', async () => {
    const log: string[] = [];
    start(
      {
        jsonata: {
          QueryLanguage: 'JSONata',
          StartAt: 'Pass',
          States: { Pass: { Type: 'Pass', Output: '{% $states.input %}', End: true } },
        },
      },
      { log: (line) => log.push(line) },
    );
    const execution = await run('jsonata');

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(execution.cause).toContain('JSONata');
    expect(log).toContainEqual(expect.stringContaining('jsonata cannot run locally'));
  });

  it('list newest first and page through history', async () => {
    start({ quick: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } });
    const first = await run('quick');
    const second = await run('quick');
    const stepFunctions = service as LocalStepFunctions;

    const listed = stepFunctions.listExecutions({ stateMachineArn: arnOf('quick') }).executions;
    expect(listed.map((execution) => execution.executionArn)).toEqual([
      second.executionArn,
      first.executionArn,
    ]);
    const pageOne = stepFunctions.getExecutionHistory({
      executionArn: first.executionArn,
      maxResults: 2,
    });
    const pageTwo = stepFunctions.getExecutionHistory({
      executionArn: first.executionArn,
      maxResults: 2,
      nextToken: pageOne.nextToken,
    });
    expect([...pageOne.events, ...pageTwo.events].map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(pageTwo.nextToken).toBeUndefined();
  });
});

describe('the AWS JSON endpoint', () => {
  it('answers unknown operations and invalid requests with AWS error types', async () => {
    const endpoint = await startStepFunctionsEndpoint(start({}), { port: 0 });
    const call = (target: string, body: unknown) =>
      fetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
        body: JSON.stringify(body),
      });
    try {
      const unknown = await call('AWSStepFunctions.CreateStateMachine', {});
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
      const invalid = await call('AWSStepFunctions.DescribeExecution', {});
      expect(invalid.status).toBe(400);
      expect(await invalid.json()).toMatchObject({ __type: 'ValidationException' });
    } finally {
      await endpoint.stop();
    }
  });
});
