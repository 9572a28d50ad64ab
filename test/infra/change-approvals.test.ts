import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_ROUTES } from '../../functions/change/approval-routes';
import { matchesEventPattern } from '../../local/event-pattern';
import { buildAppWithApprovals } from '../support/change-approvals-app';
import {
  deadLetterArnIn,
  producerOf,
  resourceNamed,
  SYNTH_TIMEOUT,
  type ValidationReport,
} from './synth';

let stateless: Template;
let stateful: Template;
let report: ValidationReport;

beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-cdk-'));
  const app = buildAppWithApprovals({ outdir, bundle: false });
  const assembly = app.synth();
  const stack = app.node.findChild('ItsmStateless');
  if (!Stack.isStack(stack)) throw new Error('no stateless stack');
  stateless = Template.fromStack(stack);
  stateful = Template.fromStack(app.node.findChild('ItsmStateful') as Stack);
  report = JSON.parse(readFileSync(join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8'));
}, SYNTH_TIMEOUT);

const ref = (logicalId: string) => ({ Ref: logicalId });

function stateMachine() {
  return resourceNamed(stateless, 'AWS::StepFunctions::StateMachine', 'ChangeApprovals');
}

/** A state of the definition, as far as these tests read it. */
interface State {
  Type: string;
  Next?: string;
  Resource?: string;
  Parameters?: { Payload?: Record<string, unknown> };
  Catch?: { ErrorEquals: string[]; Next: string }[];
  TimestampPath?: string;
  Branches?: Machine[];
  ItemProcessor?: Machine;
}

interface Machine {
  StartAt: string;
  States: Record<string, State>;
}

/** The definition with its references (`Fn::GetAtt` of the function, the partition) as text. */
function definition(): Machine {
  const parts = (stateMachine().properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })[
    'Fn::Join'
  ][1];
  return JSON.parse(
    parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join(''),
  ) as Machine;
}

/** Every state by name, those of Parallel branches and Map processors included. */
function nestedStates(states: Record<string, State>): Record<string, State> {
  const all: Record<string, State> = {};
  for (const [name, state] of Object.entries(states)) {
    all[name] = state;
    for (const machine of [
      ...(state.Branches ?? []),
      ...(state.ItemProcessor ? [state.ItemProcessor] : []),
    ]) {
      Object.assign(all, nestedStates(machine.States));
    }
  }
  return all;
}

/** The statements of the policies attached to the role named `rolePrefix*`. */
function statementsOf(rolePrefix: string): { Action: string | string[]; Resource: unknown }[] {
  const role = resourceNamed(stateless, 'AWS::IAM::Role', rolePrefix);
  return Object.values(stateless.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as { Ref?: string }[]).some(
        (roleRef) => roleRef.Ref === role.logicalId,
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const TASK_RESPONSES = ['states:SendTaskFailure', 'states:SendTaskSuccess'];

describe('change approvals', () => {
  it('is a Standard state machine with every event logged, without data, and traced', () => {
    const { properties } = stateMachine();
    expect(properties.StateMachineType).toBe('STANDARD');
    expect(properties.TracingConfiguration).toEqual({ Enabled: true });
    const logs = resourceNamed(stateless, 'AWS::Logs::LogGroup', 'ChangeApprovalsLogs');
    expect(properties.LoggingConfiguration).toEqual({
      Level: 'ALL',
      IncludeExecutionData: false,
      Destinations: [
        { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logs.logicalId, 'Arn'] } } },
      ],
    });
    expect(logs.properties.LogGroupName).toMatch(/^\/aws\/vendedlogs\/states\//);
  });

  it('is started by a rule on ChangeSubmittedForAuthorization with the event detail', () => {
    const rule = resourceNamed(stateless, 'AWS::Events::Rule', 'ChangeApprovalsSubmissionRule');
    const pattern = rule.properties.EventPattern as object;
    const event = (detailType: string) => ({
      source: 'itsm.changes',
      'detail-type': detailType,
      detail: {},
    });
    expect(matchesEventPattern(pattern, event('ChangeSubmittedForAuthorization'))).toBe(true);
    expect(matchesEventPattern(pattern, event('ChangeApproved'))).toBe(false);
    const [target] = rule.properties.Targets as { DeadLetterConfig: { Arn: unknown } }[];
    expect(target).toMatchObject({
      Arn: ref(stateMachine().logicalId),
      InputPath: '$.detail',
      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 10 },
    });
    expect(producerOf(target?.DeadLetterConfig.Arn, stateful)).toEqual(
      deadLetterArnIn(stateful, 'ChangeApprovals'),
    );
  });

  it('withdraws on the cancellation of a change under authorization only', () => {
    const rule = resourceNamed(stateless, 'AWS::Events::Rule', 'ChangeApprovalsWithdrawalRule');
    const pattern = rule.properties.EventPattern as object;
    const stateChanged = (from: string, to: string) => ({
      source: 'itsm.changes',
      'detail-type': 'ChangeStateChanged',
      detail: { data: { from, to } },
    });
    expect(matchesEventPattern(pattern, stateChanged('Authorize', 'Canceled'))).toBe(true);
    expect(matchesEventPattern(pattern, stateChanged('Scheduled', 'Canceled'))).toBe(false);
    expect(matchesEventPattern(pattern, stateChanged('Authorize', 'Scheduled'))).toBe(false);
    const tasks = resourceNamed(stateless, 'AWS::Lambda::Function', 'ChangeApprovalsTasks');
    expect(rule.properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [tasks.logicalId, 'Arn'] } }),
    ]);
  });

  it('waits for each approval with a task token, the decision ending all of them', () => {
    const { States, StartAt } = definition();
    expect(StartAt).toBe('OpenApprovals');
    const states = nestedStates(States);
    for (const name of ['AwaitVote', 'AwaitNextVote']) {
      expect(states[name]).toMatchObject({
        Resource: 'arn:<ref>:states:::lambda:invoke.waitForTaskToken',
        Parameters: { Payload: { 'taskToken.$': '$$.Task.Token' } },
        Catch: [
          {
            ErrorEquals: ['ApprovalDecidedError', 'ApprovalWithdrawnError'],
            Next: 'ApprovalEnded',
          },
        ],
      });
    }
    expect(states.AwaitVote?.Next).toBe('AwaitNextVote');
    expect(states.AwaitNextVote?.Next).toBe('AwaitVote');
    expect(States.AwaitDecision).toMatchObject({
      Type: 'Parallel',
      Catch: [
        { ErrorEquals: ['ApprovalWithdrawnError'], Next: 'Withdrawn' },
        {
          ErrorEquals: ['ApprovalDecidedError', 'ApprovalDeadlineReachedError'],
          Next: 'RecordDecision',
        },
        { ErrorEquals: ['States.ALL'], Next: 'DeadlineAfterFailure' },
      ],
    });
    expect(States.OpenApprovals?.Catch).toEqual([
      expect.objectContaining({
        ErrorEquals: ['ApprovalPlanClaimedError'],
        Next: 'AlreadyUnderWay',
      }),
    ]);
    expect(states.UntilReminder?.TimestampPath).toBe('$.remindAt');
    expect(states.UntilDeadline?.TimestampPath).toBe('$.deadline');
  });

  it("lets the approvals API answer this state machine's tasks, and nothing else", () => {
    const sendTask = statementsOf('ChangeApprovalsApiRole').filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('states:')),
    );
    expect(sendTask).toEqual([
      expect.objectContaining({
        Action: TASK_RESPONSES,
        Resource: ref(stateMachine().logicalId),
      }),
    ]);
    const everyStatesAction = Object.values(stateless.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: { Action: string | string[] }) =>
        [statement.Action].flat().some((action) => action.startsWith('states:Send')),
      );
    // The API, and the tasks function for withdrawals; always this state machine only.
    expect(everyStatesAction).toHaveLength(2);
    for (const statement of everyStatesAction) {
      expect(statement).toMatchObject({
        Action: TASK_RESPONSES,
        Resource: ref(stateMachine().logicalId),
      });
    }
  });

  it('routes the approval routes to the approvals API behind the authorizer', () => {
    const api = resourceNamed(stateless, 'AWS::Lambda::Function', 'ChangeApprovalsApi');
    const integrations = stateless.findResources('AWS::ApiGatewayV2::Integration', {
      Properties: { IntegrationUri: { 'Fn::GetAtt': [api.logicalId, 'Arn'] } },
    });
    expect(Object.keys(integrations)).toHaveLength(1);
    for (const routeKey of APPROVAL_ROUTES) {
      stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'JWT',
        Target: { 'Fn::Join': ['', ['integrations/', ref(Object.keys(integrations)[0] ?? '')]] },
      });
    }
  });

  it('passes cdk-nag with every acknowledgement explained', () => {
    const findings = report.pluginReports.flatMap((plugin) =>
      plugin.violations.map(
        (violation) =>
          `${violation.ruleName}: ${violation.violatingConstructs.map((c) => c.constructPath).join(', ')}`,
      ),
    );
    expect(findings).toEqual([]);
  });
});
