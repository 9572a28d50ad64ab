import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { EventField, type IEventBus, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  DefinitionBody,
  Errors,
  Fail,
  IntegrationPattern,
  JsonPath,
  LogLevel,
  Map as MapState,
  Parallel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { APPROVAL_ROUTES } from '../../functions/change/approval-routes';
import {
  ApprovalDecidedError,
  ApprovalPlanClaimedError,
  ApprovalWithdrawnError,
  DEADLINE_REACHED_ERROR,
} from '../../functions/change/approval-workflow';
import { type ChangeManagementSettings, changeEnvironment } from '../../functions/change/settings';
import { ChangeStateChanged, ChangeSubmittedForAuthorization } from '../../shared/events/changes';
import type { ItsmHttpApi } from './http-api';
import { type FunctionDefaults, ItsmFunction, type TableAction } from './itsm-function';

export interface ChangeApprovalsProps {
  readonly defaults: FunctionDefaults;
  readonly api: ItsmHttpApi;
  readonly eventBus: IEventBus;
  /** The change area's settings: the workflow records its decision through its use cases. */
  readonly settings: { readonly changeManagement: ChangeManagementSettings };
  /** Where the rules put the events they could not deliver, from the stateful stack. */
  readonly deadLetterQueue: IQueue;
}

const SERVICE_NAME = 'change-approvals';

/**
 * The tasks record the decision through the change's use cases (transactions over the change,
 * its journal, CI records and outbox; the CMDB and calendar reads of conflict detection).
 */
const TASK_TABLE_ACTIONS: readonly TableAction[] = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
];

/** Votes (a transaction checking the plan), delegations, and reads by change number. */
const API_TABLE_ACTIONS: readonly TableAction[] = [
  'GetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'ConditionCheckItem',
];

const DECIDED = new ApprovalDecidedError().name;
const WITHDRAWN = new ApprovalWithdrawnError().name;

/**
 * Change approvals (docs/changes.md, "Approval workflow"): a Standard state machine that a
 * rule starts on ChangeSubmittedForAuthorization; one `.waitForTaskToken` task per approval,
 * completed by the approvals API when someone votes; a reminder and a deadline timer beside
 * them; the decision recorded on the change. Also the approvals API (votes, delegations) and
 * the rule that withdraws the approvals of a change canceled under authorization.
 */
export class ChangeApprovals extends Construct {
  readonly tasksFunction: ItsmFunction;
  readonly apiFunction: ItsmFunction;
  readonly stateMachine: StateMachine;
  readonly submissionRule: Rule;
  readonly withdrawalRule: Rule;
  /** Events the rules could not deliver to the state machine or the function. */
  readonly deadLetterQueue: IQueue;

  constructor(scope: Construct, id: string, props: ChangeApprovalsProps) {
    super(scope, id);
    const environment = changeEnvironment(props.settings.changeManagement);
    this.tasksFunction = new ItsmFunction(this, 'Tasks', {
      defaults: props.defaults,
      entry: 'functions/change/approval-tasks.ts',
      description: 'The change approval workflow: open, await votes, remind, record, withdraw.',
      serviceName: SERVICE_NAME,
      tableActions: TASK_TABLE_ACTIONS,
      environment,
      timeout: Duration.seconds(30),
    });
    this.stateMachine = this.buildStateMachine(props.defaults.stage);

    this.apiFunction = new ItsmFunction(this, 'Api', {
      defaults: props.defaults,
      entry: 'functions/change/approvals-api.ts',
      description: 'Change approvals API: votes and delegations (HTTP API payload v2).',
      serviceName: SERVICE_NAME,
      tableActions: API_TABLE_ACTIONS,
      environment,
    });
    props.api.addAuthenticatedRoutes(APPROVAL_ROUTES, this.apiFunction);
    this.apiFunction.addToRolePolicy(this.taskResponses());
    // Not in the function's default policy: the state machine invokes the function, so the
    // function may not depend on the state machine.
    this.tasksFunction.role?.attachInlinePolicy(
      new Policy(this, 'TasksTaskResponses', { statements: [this.taskResponses()] }),
    );

    this.deadLetterQueue = props.deadLetterQueue;
    const delivery = {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 10,
      maxEventAge: Duration.hours(24),
    };
    this.submissionRule = new Rule(this, 'SubmissionRule', {
      description: 'Starts the approval workflow of a change submitted for authorization.',
      eventBus: props.eventBus,
      eventPattern: {
        source: [ChangeSubmittedForAuthorization.source],
        detailType: [ChangeSubmittedForAuthorization.detailType],
      },
      targets: [
        new SfnStateMachine(this.stateMachine, {
          input: RuleTargetInput.fromEventPath('$.detail'),
          ...delivery,
        }),
      ],
    });
    this.withdrawalRule = new Rule(this, 'WithdrawalRule', {
      description: 'Withdraws the approvals of a change canceled under authorization.',
      eventBus: props.eventBus,
      eventPattern: {
        source: [ChangeStateChanged.source],
        detailType: [ChangeStateChanged.detailType],
        detail: { data: { from: ['Authorize'], to: ['Canceled'] } },
      },
      targets: [
        new LambdaFunction(this.tasksFunction, {
          event: RuleTargetInput.fromObject({
            task: 'withdraw',
            changeId: EventField.fromPath('$.detail.data.change.id'),
            planId: EventField.fromPath('$.detail.data.change.approvalPlanId'),
          }),
          ...delivery,
        }),
      ],
    });
  }

  /** SendTaskSuccess and SendTaskFailure on this state machine's tasks, nothing else. */
  private taskResponses(): PolicyStatement {
    return new PolicyStatement({
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
      resources: [this.stateMachine.stateMachineArn],
    });
  }

  private buildStateMachine(stage: string): StateMachine {
    const tasks = this.tasksFunction;
    const plan = {
      changeId: JsonPath.stringAt('$.changeId'),
      planId: JsonPath.stringAt('$.planId'),
    };
    // A function failing for a moment (throttled, DynamoDB busy) is retried; the workflow's
    // own signals are not.
    const retryTransientFailures = (task: LambdaInvoke) =>
      task.addRetry({ errors: [DECIDED, WITHDRAWN], maxAttempts: 0 }).addRetry({
        errors: [Errors.TASKS_FAILED],
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 3,
      });

    const open = new LambdaInvoke(this, 'OpenApprovals', {
      comment: 'Claims the plan for this execution and creates one approval per approver.',
      lambdaFunction: tasks,
      payload: TaskInput.fromObject({
        task: 'open',
        executionArn: JsonPath.executionId,
        detail: JsonPath.entirePayload,
      }),
      payloadResponseOnly: true,
    });
    open.addCatch(
      new Succeed(this, 'AlreadyUnderWay', {
        comment: 'A redelivered event: the execution that claimed the plan runs it.',
      }),
      { errors: [new ApprovalPlanClaimedError().name] },
    );

    // One approval: a vote completes its task, and the approval waits again for a change of
    // mind, until a vote decides (the task fails with ApprovalDecidedError). Two alternating
    // states, since a state may not name itself as its next.
    const awaitVote = (stateId: string, comment: string) =>
      retryTransientFailures(
        new LambdaInvoke(this, stateId, {
          comment,
          lambdaFunction: tasks,
          integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
          payload: TaskInput.fromObject({
            task: 'await-vote',
            taskToken: JsonPath.taskToken,
            approvalId: JsonPath.stringAt('$.approvalId'),
            ...plan,
          }),
          resultPath: JsonPath.DISCARD,
        }),
      );
    const firstVote = awaitVote('AwaitVote', "Stores the task token on the approval's item.");
    const nextVote = awaitVote('AwaitNextVote', 'After a vote: waits for a change of mind.');
    const ended = new Fail(this, 'ApprovalEnded', {
      comment: "Fails the iteration, and so the Map: every approval's waiting ends at once.",
      errorPath: '$.ended.Error',
      causePath: '$.ended.Cause',
    });
    for (const task of [firstVote, nextVote]) {
      task.addCatch(ended, { errors: [DECIDED, WITHDRAWN], resultPath: '$.ended' });
    }
    firstVote.next(nextVote).next(firstVote);
    const approvals = new MapState(this, 'Approvals', {
      comment: 'One iteration per approver; none ends but by failing.',
      itemsPath: '$.approvalIds',
      itemSelector: { approvalId: JsonPath.stringAt('$$.Map.Item.Value'), ...plan },
      resultPath: JsonPath.DISCARD,
    }).itemProcessor(firstVote);

    const remind = retryTransientFailures(
      new LambdaInvoke(this, 'Remind', {
        comment: 'Publishes ChangeApprovalReminderDue for those who have not voted.',
        lambdaFunction: tasks,
        payload: TaskInput.fromObject({ task: 'remind', ...plan }),
        payloadResponseOnly: true,
        resultPath: JsonPath.DISCARD,
      }),
    );
    const timers = new Wait(this, 'UntilReminder', {
      time: WaitTime.timestampPath('$.remindAt'),
    })
      .next(remind)
      .next(new Wait(this, 'UntilDeadline', { time: WaitTime.timestampPath('$.deadline') }))
      .next(
        new Fail(this, 'DeadlineReached', {
          comment: "The deadline came first: the policy's timeout outcome decides.",
          error: DEADLINE_REACHED_ERROR,
          cause: 'No decision by the deadline.',
        }),
      );

    const record = new LambdaInvoke(this, 'RecordDecision', {
      comment: 'Records the decision: the change goes to Scheduled or back to New.',
      lambdaFunction: tasks,
      payload: TaskInput.fromObject({ task: 'record', ...plan }),
      payloadResponseOnly: true,
      resultPath: '$.decision',
    }).addRetry({
      errors: [Errors.TASKS_FAILED],
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: 5,
    });

    const awaitDecision = new Parallel(this, 'AwaitDecision', {
      comment: 'Ends when a branch fails: a decision, a withdrawal or the deadline.',
      resultPath: JsonPath.DISCARD,
    })
      .branch(approvals)
      .branch(timers);
    awaitDecision.addCatch(
      new Succeed(this, 'Withdrawn', { comment: 'The change was canceled meanwhile.' }),
      { errors: [WITHDRAWN], resultPath: JsonPath.DISCARD },
    );
    awaitDecision.addCatch(record, {
      errors: [DECIDED, DEADLINE_REACHED_ERROR],
      resultPath: '$.ending',
    });
    // Nothing waits forever: should the waiting itself fail, the deadline still decides.
    awaitDecision.addCatch(
      new Wait(this, 'DeadlineAfterFailure', {
        time: WaitTime.timestampPath('$.deadline'),
      }).next(record),
      { errors: [Errors.ALL], resultPath: '$.failure' },
    );
    awaitDecision.next(record);

    const logGroup = new LogGroup(this, 'Logs', {
      // The vendedlogs prefix keeps the log group out of CloudWatch Logs' resource policy limit.
      logGroupName: `/aws/vendedlogs/states/itsm-${stage}-change-approvals`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stateMachine = new StateMachine(this, 'StateMachine', {
      comment: 'Change approvals: one waiting task per approver, a reminder, a deadline.',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(open.next(awaitDecision)),
      tracingEnabled: true,
      // Every event, without the data: votes' comments and task tokens stay in the table.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    const functionLogicalId = Stack.of(this).resolve(
      (tasks.node.defaultChild as CfnFunction).logicalId,
    ) as string;
    Validations.of(stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason:
        "Step Functions' Lambda integration grants its function with any qualifier; the function is this workflow's own.",
    });
    Validations.of(stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing and log delivery to CloudWatch Logs (logs:CreateLogDelivery and the like) support no resource-level permissions.',
    });
    return stateMachine;
  }
}
