import { describe, expect, it } from 'vitest';
import { integrationOf, prepareDefinition } from '../../../local/step-functions-definition';

describe('integrationOf', () => {
  it.each([
    ['arn:aws:lambda:us-east-1:000000000000:function:assess', 'lambdaFunction', 'lambda'],
    ['arn:aws:lambda:us-east-1:000000000000:function:assess:live', 'lambdaFunction', 'lambda'],
    ['arn:aws:states:::lambda:invoke', 'lambdaInvoke', 'invoke'],
    ['arn:aws:states:::lambda:invoke.waitForTaskToken', 'lambdaInvoke', 'invoke.waitForTaskToken'],
    [
      'arn:aws:states:::events:putEvents.waitForTaskToken',
      'putEvents',
      'putEvents.waitForTaskToken',
    ],
    ['arn:aws:states:::dynamodb:updateItem', 'dynamodb', 'updateItem'],
    [
      'arn:aws:states:::dynamodb:putItem.waitForTaskToken',
      'unsupported',
      'putItem.waitForTaskToken',
    ],
    ['arn:aws:states:::lambda:invoke.sync', 'unsupported', 'invoke.sync'],
    ['arn:aws:states:::aws-sdk:s3:listBuckets', 'unsupported', 'listBuckets'],
    ['arn:aws:states:::sqs:sendMessage', 'unsupported', 'sendMessage'],
  ])('reads %s as %s', (resource, kind, name) => {
    const integration = integrationOf(resource);
    expect(integration.kind).toBe(kind);
    expect(integration.resource).toBe(kind === 'lambdaFunction' ? resource : name);
  });

  it('tells token tasks from others', () => {
    expect(integrationOf('arn:aws:states:::lambda:invoke.waitForTaskToken')).toMatchObject({
      waitForTaskToken: true,
    });
    expect(integrationOf('arn:aws:states:::lambda:invoke')).toMatchObject({
      waitForTaskToken: false,
    });
  });
});

const definition = JSON.stringify({
  TimeoutSeconds: 3600,
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'ask', Payload: { 'token.$': '$$.Task.Token' } },
      TimeoutSecondsPath: '$.timeout',
      HeartbeatSeconds: 60,
      Retry: [{ ErrorEquals: ['Busy'], IntervalSeconds: 10, MaxDelaySeconds: 100 }],
      Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Pause' }],
      Next: 'Pause',
    },
    Pause: { Type: 'Wait', Seconds: 30, InputPath: '$.x', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
});

describe('prepareDefinition', () => {
  it('keeps durations in real time at scale 1', () => {
    const { runnable, executionTimeoutMs, unrunnable } = prepareDefinition(definition, 1);

    expect(unrunnable).toBeUndefined();
    expect(executionTimeoutMs).toBe(3_600_000);
    expect(runnable).not.toHaveProperty('TimeoutSeconds');
    expect(runnable.States.Ask).toMatchObject({
      Retry: [{ ErrorEquals: ['Busy'], IntervalSeconds: 10, MaxDelaySeconds: 100 }],
    });
  });

  it('scales retry intervals and the execution timeout', () => {
    const { runnable, executionTimeoutMs } = prepareDefinition(definition, 0.01);

    expect(executionTimeoutMs).toBe(36_000);
    expect(runnable.States.Ask).toMatchObject({
      Retry: [{ IntervalSeconds: 0.1, MaxDelaySeconds: 1 }],
    });
  });

  it('leaves task timeouts and waits to the local runtime, keeping the template states', () => {
    const { runnable, states } = prepareDefinition(definition, 1);

    expect(runnable.States.Ask).toMatchObject({
      Parameters: {
        parameters: { FunctionName: 'ask', Payload: { 'token.$': '$$.Task.Token' } },
        'timeoutSeconds.$': '$.timeout',
      },
      Catch: [{ ErrorEquals: ['States.Timeout', 'States.HeartbeatTimeout'], Next: 'Pause' }],
    });
    expect(runnable.States.Ask).not.toHaveProperty('HeartbeatSeconds');
    expect(runnable.States.Pause).toMatchObject({ Type: 'Task', InputPath: '$.x', Next: 'Done' });
    expect(states.get('Pause')).toMatchObject({ Type: 'Wait', Seconds: 30 });
    expect(states.get('Ask')).toMatchObject({ HeartbeatSeconds: 60 });
  });

  it('reports why a definition cannot run', () => {
    expect(
      prepareDefinition(JSON.stringify({ StartAt: 'Nowhere', States: {} }), 1).unrunnable,
    ).toMatch(/invalid/);
  });
});
