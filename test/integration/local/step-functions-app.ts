import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  IntegrationPattern,
  JsonPath,
  Pass,
  Result,
  StateMachine,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  CallAwsService,
  DynamoAttributeValue,
  DynamoGetItem,
  DynamoPutItem,
  EventBridgePutEvents,
  LambdaInvoke,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';

/**
 * A small CDK app with a change-approval workflow shaped like the one issue 4 asks for,
 * synthesized for real so that the local runtime runs what CDK generates: a rule on a bus
 * starts a Standard state machine; a plain Lambda task assesses risk; a Choice routes low risk
 * to an automatic approval, medium risk to a function that completes its own task token
 * through the SDK, and high risk to a `.waitForTaskToken` task whose function stores the
 * token for someone to answer (with a timeout and a heartbeat from the input, caught as
 * expired); the decision is written to and read back from DynamoDB, then published to the bus,
 * where a rule sends it to a queue.
 */

export const SFN_FIXTURE = {
  stackName: 'sfn-fixture',
  busName: 'fixture-bus',
  approval: 'ApprovalStateMachine',
  unsupported: 'UnsupportedStateMachine',
  table: 'Table',
  decisions: 'Decisions',
  /** The Wait state before the decision is announced, in (unscaled) seconds. */
  settleSeconds: 300,
} as const;

const HANDLERS = `
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';

const dynamo = new DynamoDBClient({});
const sfn = new SFNClient({});

export const assess = async (change) => {
  if (typeof change.impact !== 'number') {
    const error = new Error('impact is required');
    error.name = 'ValidationError';
    throw error;
  }
  return { risk: change.impact >= 3 ? 'high' : change.impact === 2 ? 'medium' : 'low' };
};

export const requestApproval = async ({ token, changeId }) => {
  await dynamo.send(
    new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: { pk: { S: 'APPROVAL#' + changeId }, sk: { S: 'token' }, token: { S: token } },
    }),
  );
  return { stored: true };
};

export const delegate = async ({ token }) => {
  await sfn.send(
    new SendTaskSuccessCommand({
      taskToken: token,
      output: JSON.stringify({ verdict: 'approved', by: 'delegate' }),
    }),
  );
};

export const ping = async () => ({ statusCode: 200, body: 'pong' });
`;

/** Synthesizes the fixture app into `outdir` (its function code in `outdir/../handlers`). */
export function synthesizeStepFunctionsApp(outdir: string): string {
  const codeDir = join(outdir, '..', 'handlers');
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(join(codeDir, 'index.mjs'), HANDLERS);

  const app = new App({ outdir });
  const stack = new Stack(app, 'SfnFixture', { stackName: SFN_FIXTURE.stackName });
  const table = new Table(stack, SFN_FIXTURE.table, {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
  });
  const bus = new EventBus(stack, 'Bus', { eventBusName: SFN_FIXTURE.busName });
  const fn = (id: string, handler: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_22_X,
      code: Code.fromAsset(codeDir),
      handler: `index.${handler}`,
      timeout: Duration.seconds(10),
      environment: { TABLE_NAME: table.tableName },
    });
  new HttpApi(stack, 'Api', {
    defaultIntegration: new HttpLambdaIntegration('Ping', fn('PingFn', 'ping')),
  });

  const decide = (id: string, verdict: string) =>
    new Pass(stack, id, {
      result: Result.fromObject({ verdict, by: 'policy' }),
      resultPath: '$.decision',
    });
  const record = new DynamoPutItem(stack, 'Record', {
    table,
    item: {
      pk: DynamoAttributeValue.fromString(
        JsonPath.format('DECISION#{}', JsonPath.stringAt('$.changeId')),
      ),
      sk: DynamoAttributeValue.fromString('decision'),
      verdict: DynamoAttributeValue.fromString(JsonPath.stringAt('$.decision.verdict')),
    },
    resultPath: JsonPath.DISCARD,
  });
  const readBack = new DynamoGetItem(stack, 'ReadBack', {
    table,
    key: {
      pk: DynamoAttributeValue.fromString(
        JsonPath.format('DECISION#{}', JsonPath.stringAt('$.changeId')),
      ),
      sk: DynamoAttributeValue.fromString('decision'),
    },
    resultSelector: { verdict: JsonPath.stringAt('$.Item.verdict.S') },
    resultPath: '$.recorded',
  });
  const settle = new Wait(stack, 'Settle', {
    time: WaitTime.duration(Duration.seconds(SFN_FIXTURE.settleSeconds)),
  });
  const announce = new EventBridgePutEvents(stack, 'Announce', {
    entries: [
      {
        eventBus: bus,
        source: 'fixture.changes',
        detailType: 'ChangeDecided',
        detail: TaskInput.fromObject({
          changeId: JsonPath.stringAt('$.changeId'),
          verdict: JsonPath.stringAt('$.decision.verdict'),
        }),
      },
    ],
    resultSelector: { failed: JsonPath.numberAt('$.FailedEntryCount') },
    resultPath: '$.announcement',
  });
  const finish = record.next(readBack).next(settle).next(announce).next(new Succeed(stack, 'Done'));

  const awaitApproval = new LambdaInvoke(stack, 'AwaitApproval', {
    lambdaFunction: fn('RequestApprovalFn', 'requestApproval'),
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({
      token: JsonPath.taskToken,
      changeId: JsonPath.stringAt('$.changeId'),
    }),
    taskTimeout: Timeout.at('$.approvalTimeoutSeconds'),
    heartbeatTimeout: Timeout.at('$.heartbeatSeconds'),
    resultPath: '$.decision',
  });
  awaitApproval.addCatch(decide('Expired', 'expired').next(finish), {
    errors: [Errors.TIMEOUT],
    resultPath: '$.timeout',
  });
  const delegated = new LambdaInvoke(stack, 'Delegated', {
    lambdaFunction: fn('DelegateFn', 'delegate'),
    integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: TaskInput.fromObject({ token: JsonPath.taskToken }),
    resultPath: '$.decision',
  });

  const definition = new LambdaInvoke(stack, 'Assess', {
    lambdaFunction: fn('AssessFn', 'assess'),
    payloadResponseOnly: true,
    resultPath: '$.assessment',
  }).next(
    new Choice(stack, 'Route')
      .when(
        Condition.stringEquals('$.assessment.risk', 'low'),
        decide('AutoApproved', 'approved').next(finish),
      )
      .when(Condition.stringEquals('$.assessment.risk', 'medium'), delegated.next(finish))
      .otherwise(awaitApproval.next(finish)),
  );
  const approval = new StateMachine(stack, SFN_FIXTURE.approval, {
    definitionBody: DefinitionBody.fromChainable(definition),
  });
  new Rule(stack, 'OnSubmitted', {
    eventBus: bus,
    eventPattern: { source: ['fixture.changes'], detailType: ['ChangeSubmitted'] },
    targets: [new SfnStateMachine(approval, { input: RuleTargetInput.fromEventPath('$.detail') })],
  });
  const decisions = new Queue(stack, SFN_FIXTURE.decisions);
  new Rule(stack, 'OnDecided', {
    eventBus: bus,
    eventPattern: { source: ['fixture.changes'], detailType: ['ChangeDecided'] },
    targets: [new SqsQueue(decisions)],
  });

  new StateMachine(stack, SFN_FIXTURE.unsupported, {
    definitionBody: DefinitionBody.fromChainable(
      new CallAwsService(stack, 'ListBuckets', {
        service: 's3',
        action: 'listBuckets',
        iamResources: ['*'],
      }),
    ),
  });

  app.synth();
  return outdir;
}
