import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { readJsonPath } from './event-bus';
import {
  integrationOf,
  type PreparedDefinition,
  prepareDefinition,
  type StateDefinition,
  SUPPORTED_INTEGRATIONS,
  TASK_TOKEN_PLACEHOLDER,
  type TaskIntegration,
  type WrappedTaskInput,
} from './step-functions-definition';
import { currentRunSignal, RunStoppedError, trackRunScopes } from './step-functions-scope';
import {
  TaskIntegrations,
  type TaskServices,
  TaskStateError,
  UncatchableTaskError,
} from './step-functions-tasks';
import type { LocalStateMachine } from './template';

/**
 * A local Step Functions service: runs the template's state machines in aws-local-stepfunctions,
 * with task tokens, heartbeats, timeouts and an execution history shaped like AWS's. Executions
 * and their histories live in memory; with a journal file, those running when the runtime stops
 * start again at the next start. `step-functions-http.ts` serves it over the AWS JSON protocol.
 */

type JsonValue = Parameters<StateMachine['run']>[0];
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export type StepFunctionsErrorCode =
  | 'StateMachineDoesNotExist'
  | 'ExecutionDoesNotExist'
  | 'ExecutionAlreadyExists'
  | 'InvalidName'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'TaskTimedOut'
  | 'ServiceUnavailable';

/** An API error, answered with its code as the AWS error type. */
export class StepFunctionsServiceError extends Error {
  override readonly name = 'StepFunctionsServiceError';
  constructor(
    readonly code: StepFunctionsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An entry of GetExecutionHistory: `type` and one `<type>EventDetails` field, as on AWS. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

export interface LocalStepFunctionsOptions extends TaskServices {
  stateMachines: LocalStateMachine[];
  /**
   * Multiplies every duration of the definitions: Wait states, TimeoutSeconds, HeartbeatSeconds
   * and retry intervals. 1 (the default) is real time; tests use e.g. 0.001.
   */
  timeScale?: number;
  /**
   * A file that keeps the running executions (state machine, name, input) across restarts;
   * `resumeExecutions` starts them again. Without it, executions live in memory only.
   */
  journalFile?: string;
}

/** What the journal keeps of a running execution: enough to start it again. */
interface JournalEntry {
  stateMachineArn: string;
  name: string;
  input: string;
}

export class LocalStepFunctionsOptionsError extends Error {
  override readonly name = 'LocalStepFunctionsOptionsError';
}

interface PreparedStateMachine extends PreparedDefinition {
  arn: string;
  name: string;
}

interface Execution {
  arn: string;
  name: string;
  machine: PreparedStateMachine;
  input: string;
  startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  /** Aborted when the execution ends: ends its pending tasks, waits and timers. */
  ended: AbortController;
  /** Ends the library's run (StopExecution, execution timeout). */
  abortRun: () => void;
  /** Settles once the execution has ended and its history is complete. */
  settled: Promise<void>;
}

/** How a running task ends besides its own work. */
interface TaskOutcome {
  /** SendTaskSuccess / SendTaskFailure for its token, awaited once its work is submitted. */
  answer: Promise<unknown>;
  /** Rejects on its timeout or heartbeat timeout or the end of its execution, whenever they come. */
  interruption: Promise<never>;
  succeed(output: unknown): void;
  fail(error: Error): void;
  heartbeat(): void;
  /** Stops the timers; the task has ended. */
  close(): void;
}

/**
 * Ends a task or wait whose execution has ended, or whose Map iteration or Parallel branch was
 * stopped; no Catch or Retry may resume it.
 */
class ExecutionEndedError extends UncatchableTaskError {}

/** Node's timers overflow past this (about 24.8 days); longer timers are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

export class LocalStepFunctions {
  private readonly machines: Map<string, PreparedStateMachine>;
  private readonly executions = new Map<string, Execution>();
  private readonly pendingTasks = new Map<string, TaskOutcome>();
  /** Tokens of tasks that ended, so that late answers get TaskTimedOut like on AWS. */
  private readonly closedTokens = new Set<string>();
  private readonly integrations: TaskIntegrations;
  private readonly timeScale: number;
  private readonly log: (line: string) => void;
  private readonly journalFile: string | undefined;
  private stopped = false;

  constructor(options: LocalStepFunctionsOptions) {
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0) || !Number.isFinite(this.timeScale)) {
      throw new LocalStepFunctionsOptionsError(
        `The time scale must be a positive number (got ${options.timeScale}).`,
      );
    }
    this.log = options.log ?? ((line) => console.log(line));
    this.journalFile = options.journalFile;
    trackRunScopes();
    this.integrations = new TaskIntegrations(options);
    this.machines = new Map(
      options.stateMachines.map((machine) => [
        machine.arn,
        {
          arn: machine.arn,
          name: machine.name,
          ...prepareDefinition(machine.definition, this.timeScale),
        },
      ]),
    );
    for (const machine of this.machines.values()) this.warnAboutUnrunnableParts(machine);
  }

  startExecution(request: { stateMachineArn: string; name?: string; input?: string }): {
    executionArn: string;
    startDate: Date;
  } {
    if (this.stopped) {
      throw new StepFunctionsServiceError(
        'ServiceUnavailable',
        'The local Step Functions service has stopped.',
      );
    }
    const machine = this.machines.get(request.stateMachineArn);
    if (!machine) {
      throw new StepFunctionsServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    }
    const name = request.name ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) {
      throw new StepFunctionsServiceError('InvalidName', `Invalid Name: '${name}'`);
    }
    const input = request.input ?? '{}';
    let parsedInput: JsonValue;
    try {
      parsedInput = JSON.parse(input);
    } catch {
      throw new StepFunctionsServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${input}'`,
      );
    }
    const [, , , region, account] = machine.arn.split(':');
    const arn = `arn:aws:states:${region}:${account}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // As on AWS: the same name and input of a running execution is the same request.
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: arn, startDate: existing.startDate };
      }
      throw new StepFunctionsServiceError(
        'ExecutionAlreadyExists',
        `Execution Already Exists: '${arn}'`,
      );
    }
    const execution: Execution = {
      arn,
      name,
      machine,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      history: [],
      ended: new AbortController(),
      abortRun: () => {},
      settled: Promise.resolve(),
    };
    this.executions.set(arn, execution);
    this.log(`[step-functions] ${machine.name} ${name} started`);
    this.writeJournal();
    this.run(execution, parsedInput);
    return { executionArn: arn, startDate: execution.startDate };
  }

  /**
   * Starts again, from the beginning of their definitions, the executions that were running
   * when the runtime last stopped (the library cannot resume one mid-state). The same name
   * keeps the same execution ARN, so a workflow whose steps are idempotent carries on: the
   * change approval workflow finds its plan claimed by that ARN and its votes already cast.
   */
  resumeExecutions(): number {
    const entries = this.readJournal();
    for (const entry of entries) {
      if (!this.machines.has(entry.stateMachineArn)) {
        this.log(`[step-functions] ${entry.name}: its state machine is gone; not resumed`);
        continue;
      }
      this.startExecution(entry);
      this.log(`[step-functions] ${entry.name} resumed after a restart`);
    }
    this.writeJournal();
    return entries.length;
  }

  describeExecution(request: { executionArn: string }): ExecutionDescription {
    const execution = this.execution(request.executionArn);
    return {
      ...this.listItem(execution),
      input: execution.input,
      ...(execution.output === undefined ? {} : { output: execution.output }),
      ...(execution.error === undefined ? {} : { error: execution.error }),
      ...(execution.cause === undefined ? {} : { cause: execution.cause }),
    };
  }

  getExecutionHistory(request: {
    executionArn: string;
    reverseOrder?: boolean;
    maxResults?: number;
    nextToken?: string;
  }): { events: HistoryEvent[]; nextToken?: string } {
    const { history } = this.execution(request.executionArn);
    const events = request.reverseOrder ? [...history].reverse() : history;
    const { items, nextToken } = page(events, request.maxResults, request.nextToken);
    return { events: items, ...(nextToken ? { nextToken } : {}) };
  }

  /** Newest first, like AWS. */
  listExecutions(request: {
    stateMachineArn: string;
    statusFilter?: ExecutionStatus;
    maxResults?: number;
    nextToken?: string;
  }): { executions: ExecutionListItem[]; nextToken?: string } {
    if (!this.machines.has(request.stateMachineArn)) {
      throw new StepFunctionsServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    }
    const matching = [...this.executions.values()]
      .filter(
        (execution) =>
          execution.machine.arn === request.stateMachineArn &&
          (request.statusFilter === undefined || execution.status === request.statusFilter),
      )
      .reverse()
      .map((execution) => this.listItem(execution));
    const { items, nextToken } = page(matching, request.maxResults, request.nextToken);
    return { executions: items, ...(nextToken ? { nextToken } : {}) };
  }

  sendTaskSuccess(request: { taskToken: string; output: string }): Record<string, never> {
    const task = this.pendingTask(request.taskToken);
    let output: unknown;
    try {
      output = JSON.parse(request.output);
    } catch {
      throw new StepFunctionsServiceError('InvalidOutput', `Invalid Output: '${request.output}'`);
    }
    task.succeed(output);
    return {};
  }

  sendTaskFailure(request: {
    taskToken: string;
    error?: string;
    cause?: string;
  }): Record<string, never> {
    this.pendingTask(request.taskToken).fail(
      new TaskStateError(request.error ?? '', request.cause ?? ''),
    );
    return {};
  }

  sendTaskHeartbeat(request: { taskToken: string }): Record<string, never> {
    this.pendingTask(request.taskToken).heartbeat();
    return {};
  }

  /** Stopping an execution that has ended changes nothing, as on AWS. */
  async stopExecution(request: { executionArn: string; error?: string; cause?: string }): Promise<{
    stopDate: Date;
  }> {
    const execution = this.execution(request.executionArn);
    this.terminate(execution, 'ABORTED', request.error, request.cause);
    await execution.settled;
    return { stopDate: execution.stopDate ?? new Date() };
  }

  /** Aborts every running execution; the journal, if any, keeps them for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    const executions = [...this.executions.values()];
    for (const execution of executions) {
      this.terminate(
        execution,
        'ABORTED',
        'Local.RuntimeStopped',
        'The local runtime stopped; executions do not survive a restart.',
      );
    }
    await Promise.all(executions.map((execution) => execution.settled));
    this.integrations.destroy();
  }

  private readJournal(): JournalEntry[] {
    if (!this.journalFile) return [];
    try {
      return JSON.parse(readFileSync(this.journalFile, 'utf8')) as JournalEntry[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** Rewrites the journal with the running executions; a rename makes the write atomic. */
  private writeJournal(): void {
    if (!this.journalFile) return;
    const running: JournalEntry[] = [...this.executions.values()]
      .filter((execution) => execution.status === 'RUNNING')
      .map((execution) => ({
        stateMachineArn: execution.machine.arn,
        name: execution.name,
        input: execution.input,
      }));
    mkdirSync(dirname(this.journalFile), { recursive: true });
    writeFileSync(`${this.journalFile}.tmp`, JSON.stringify(running));
    renameSync(`${this.journalFile}.tmp`, this.journalFile);
  }

  private execution(arn: string): Execution {
    const execution = this.executions.get(arn);
    if (!execution) {
      throw new StepFunctionsServiceError(
        'ExecutionDoesNotExist',
        `Execution Does Not Exist: '${arn}'`,
      );
    }
    return execution;
  }

  private pendingTask(token: string): TaskOutcome {
    const task = this.pendingTasks.get(token);
    if (task) return task;
    if (this.closedTokens.has(token)) {
      throw new StepFunctionsServiceError(
        'TaskTimedOut',
        'Task Timed Out: Provided task does not exist anymore',
      );
    }
    throw new StepFunctionsServiceError(
      'InvalidToken',
      'Invalid Token: the token was not issued by this service',
    );
  }

  private listItem(execution: Execution): ExecutionListItem {
    return {
      executionArn: execution.arn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      ...(execution.stopDate ? { stopDate: execution.stopDate } : {}),
    };
  }

  private warnAboutUnrunnableParts(machine: PreparedStateMachine): void {
    if (machine.unrunnable) {
      this.log(`[step-functions] ${machine.name} cannot run locally: ${machine.unrunnable}`);
      return;
    }
    for (const [name, state] of machine.states) {
      if (state.Type !== 'Task') continue;
      const integration = integrationOf(String(state.Resource));
      if (integration.kind === 'unsupported') {
        this.log(
          `[step-functions] ${machine.name}: executions reaching ${name} (${String(state.Resource)}) fail; the local runtime runs ${SUPPORTED_INTEGRATIONS}`,
        );
      }
    }
  }

  private run(execution: Execution, input: JsonValue): void {
    const { machine } = execution;
    if (machine.unrunnable) {
      this.record(execution, 'ExecutionStarted', startedDetails(execution));
      this.finish(execution, {
        status: 'FAILED',
        error: 'States.Runtime',
        cause: `The state machine cannot run locally: ${machine.unrunnable}`,
      });
      this.record(execution, 'ExecutionFailed', {
        executionFailedEventDetails: { error: execution.error, cause: execution.cause },
      });
      return;
    }
    const run = new StateMachine(machine.runnable, {
      validationOptions: { noValidate: true },
    }).run(input, {
      overrides: { taskResourceLocalHandlers: this.handlers(execution) },
      context: {
        Execution: { Id: execution.arn, Name: execution.name, RedriveCount: 0 },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    });
    execution.abortRun = run.abort;
    const historyComplete = this.recordHistory(execution, run.eventLogs);
    if (machine.executionTimeoutMs !== undefined) {
      const cancel = startTimer(machine.executionTimeoutMs, () =>
        this.terminate(
          execution,
          'TIMED_OUT',
          'States.Timeout',
          'The execution timed out (TimeoutSeconds).',
        ),
      );
      execution.ended.signal.addEventListener('abort', cancel);
    }
    execution.settled = run.result
      .then(
        (output): Outcome => ({ status: 'SUCCEEDED', output: JSON.stringify(output) }),
        (error: unknown): Outcome => failureOf(error),
      )
      .then(async (outcome) => {
        await historyComplete;
        this.finish(execution, outcome);
      });
  }

  /** Ends an execution from outside its definition (StopExecution, its TimeoutSeconds, stop). */
  private terminate(
    execution: Execution,
    status: 'ABORTED' | 'TIMED_OUT',
    error: string | undefined,
    cause: string | undefined,
  ): void {
    if (execution.status !== 'RUNNING') return;
    this.finish(execution, { status, error, cause });
    execution.abortRun();
  }

  private finish(execution: Execution, outcome: Outcome): void {
    if (execution.status !== 'RUNNING') return;
    Object.assign(execution, outcome, { stopDate: new Date() });
    execution.ended.abort();
    // Ended by the runtime's stop, it stays in the journal, to be resumed.
    if (!this.stopped) this.writeJournal();
    // A function error's cause carries its stack trace: the start of it is enough here.
    const reason =
      outcome.error === undefined
        ? ''
        : `: ${outcome.error} ${(outcome.cause ?? '').slice(0, 300)}`;
    this.log(
      `[step-functions] ${execution.machine.name} ${execution.name} ${outcome.status}${reason}`,
    );
  }

  private record(
    execution: Execution,
    type: string,
    details: Record<string, unknown>,
    at = Date.now(),
  ): void {
    const id = execution.history.length + 1;
    execution.history.push({
      id,
      previousEventId: id - 1,
      timestamp: new Date(at),
      type,
      ...details,
    });
  }

  /** Translates the library's event log into AWS history events. */
  private async recordHistory(
    execution: Execution,
    events: AsyncGenerator<EventLog>,
  ): Promise<void> {
    const typeOf = (stateName: string) => execution.machine.states.get(stateName)?.Type ?? 'Task';
    for await (const event of events) {
      const at = event.timestamp;
      switch (event.type) {
        case 'ExecutionStarted':
          this.record(execution, event.type, startedDetails(execution), at);
          break;
        case 'StateEntered':
          this.record(
            execution,
            `${typeOf(event.state.name)}StateEntered`,
            {
              stateEnteredEventDetails: {
                name: event.state.name,
                input: JSON.stringify(event.state.input),
                inputDetails: { truncated: false },
              },
            },
            at,
          );
          break;
        case 'StateExited':
          this.record(
            execution,
            `${typeOf(event.state.name)}StateExited`,
            {
              stateExitedEventDetails: {
                name: event.state.name,
                output: JSON.stringify(event.state.output),
                outputDetails: { truncated: false },
              },
            },
            at,
          );
          break;
        case 'ExecutionSucceeded':
          this.record(
            execution,
            event.type,
            {
              executionSucceededEventDetails: {
                output: JSON.stringify(event.output),
                outputDetails: { truncated: false },
              },
            },
            at,
          );
          break;
        case 'ExecutionFailed':
          this.record(
            execution,
            event.type,
            { executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) } },
            at,
          );
          break;
        case 'ExecutionAborted': {
          // The library aborts for StopExecution and for the execution's TimeoutSeconds alike.
          const timedOut = execution.status === 'TIMED_OUT';
          this.record(
            execution,
            timedOut ? 'ExecutionTimedOut' : 'ExecutionAborted',
            {
              [timedOut ? 'executionTimedOutEventDetails' : 'executionAbortedEventDetails']: {
                error: execution.error,
                cause: execution.cause,
              },
            },
            at,
          );
          break;
        }
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed':
          this.record(
            execution,
            event.type,
            {
              [`${lowerFirst(event.type)}EventDetails`]: {
                name: event.parentState.name,
                index: event.index,
              },
            },
            at,
          );
          break;
        default:
          // Failures, retries and catches show in the task events; branch events have no AWS twin.
          break;
      }
    }
  }

  private handlers(execution: Execution): TaskHandlers {
    const handlers: TaskHandlers = {};
    for (const [name, state] of execution.machine.states) {
      if (state.Type === 'Wait') {
        handlers[name] = (input) => this.wait(execution, state, input);
      } else if (state.Type === 'Task') {
        const integration = integrationOf(String(state.Resource));
        handlers[name] = (input) =>
          this.runTask(execution, state, integration, input as unknown as WrappedTaskInput);
      }
    }
    return handlers;
  }

  private async wait(
    execution: Execution,
    state: StateDefinition,
    input: JsonValue,
  ): Promise<JsonValue> {
    await sleep(waitMs(state, input) * this.timeScale, stopSignal(execution));
    return input;
  }

  private async runTask(
    execution: Execution,
    state: StateDefinition,
    integration: TaskIntegration,
    wrapped: WrappedTaskInput,
  ): Promise<JsonValue> {
    // Lets the history record the state's entry (the library's log is asynchronous) first.
    await nextTurn();
    const TimeoutError = await statesTimeoutErrorClass();
    const stopped = stopSignal(execution);
    if (stopped.aborted) throw endedBy(stopped);
    const timeoutSeconds = seconds(
      state.TimeoutSeconds ?? wrapped.timeoutSeconds,
      'TimeoutSeconds',
    );
    const heartbeatSeconds = seconds(
      state.HeartbeatSeconds ?? wrapped.heartbeatSeconds,
      'HeartbeatSeconds',
    );
    const token =
      'waitForTaskToken' in integration && integration.waitForTaskToken
        ? randomBytes(48).toString('base64url')
        : undefined;
    const parameters = token ? withToken(wrapped.parameters, token) : wrapped.parameters;
    const events = taskEventNames(integration);
    const recordTask = (type: string, details: Record<string, unknown>) => {
      if (execution.status === 'RUNNING')
        this.record(execution, type, { [`${lowerFirst(type)}EventDetails`]: details });
    };

    const outcome = watchTask(stopped, {
      timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 * this.timeScale,
      heartbeatMs:
        heartbeatSeconds === undefined ? undefined : heartbeatSeconds * 1000 * this.timeScale,
      timeoutError: (name, cause) => Object.assign(new TimeoutError(), { name, message: cause }),
    });
    if (token) this.pendingTasks.set(token, outcome);

    try {
      recordTask(events.scheduled, {
        resourceType: integration.resourceType,
        resource: integration.resource,
        region: execution.arn.split(':')[3],
        parameters: JSON.stringify(parameters),
        ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
        ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
      });
      recordTask(events.started, {
        resourceType: integration.resourceType,
        resource: integration.resource,
      });
      const work = this.integrations.call(integration, parameters).then((response) => {
        if (!token) return response;
        recordTask('TaskSubmitted', {
          resourceType: integration.resourceType,
          resource: integration.resource,
          output: JSON.stringify(response ?? null),
        });
        return outcome.answer;
      });
      work.catch(() => {});
      const result = (await Promise.race([work, outcome.interruption])) as JsonValue;
      recordTask(events.succeeded, {
        resourceType: integration.resourceType,
        resource: integration.resource,
        output: JSON.stringify(result ?? null),
      });
      return result;
    } catch (error) {
      if (!(error instanceof ExecutionEndedError)) {
        const { name, message } = error instanceof Error ? error : new Error(String(error));
        const timedOut = error instanceof TimeoutError;
        recordTask(timedOut ? events.timedOut : events.failed, {
          resourceType: integration.resourceType,
          resource: integration.resource,
          error: name,
          cause: message,
        });
      }
      throw error;
    } finally {
      outcome.close();
      if (token) {
        this.pendingTasks.delete(token);
        this.closedTokens.add(token);
      }
    }
  }
}

type Outcome = Pick<ExecutionDescription, 'status' | 'output' | 'error' | 'cause'>;

function failureOf(error: unknown): Outcome {
  const reason =
    error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  return reason instanceof Error
    ? { status: 'FAILED', error: reason.name, cause: reason.message }
    : { status: 'FAILED', error: 'States.Runtime', cause: String(reason) };
}

function startedDetails(execution: Execution): Record<string, unknown> {
  return {
    executionStartedEventDetails: { input: execution.input, inputDetails: { truncated: false } },
  };
}

function causeText(cause: unknown): string {
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

function lowerFirst(text: string): string {
  return `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

/** History event types: Lambda function ARNs have their own on AWS. */
function taskEventNames(integration: TaskIntegration) {
  const prefix = integration.kind === 'lambdaFunction' ? 'LambdaFunction' : 'Task';
  return {
    scheduled: `${prefix}Scheduled`,
    started: `${prefix}Started`,
    succeeded: `${prefix}Succeeded`,
    failed: `${prefix}Failed`,
    timedOut: `${prefix}TimedOut`,
  };
}

function withToken(parameters: unknown, token: string): unknown {
  return JSON.parse(JSON.stringify(parameters ?? null).replaceAll(TASK_TOKEN_PLACEHOLDER, token));
}

function seconds(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new UncatchableTaskError(
      `${field} must be a positive number of seconds (got ${JSON.stringify(value)}).`,
    );
  }
  return value;
}

/** A Wait state's duration in (unscaled) milliseconds. */
function waitMs(state: StateDefinition, input: JsonValue): number {
  const read = (path: unknown) => readJsonPath(input, String(path));
  const until = (timestamp: unknown) => {
    const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(at)) {
      throw new UncatchableTaskError(
        `The Wait state's timestamp ${JSON.stringify(timestamp)} is not a timestamp.`,
      );
    }
    return Math.max(0, at - Date.now());
  };
  if (state.Seconds !== undefined) return Number(state.Seconds) * 1000;
  if (state.Timestamp !== undefined) return until(state.Timestamp);
  if (state.SecondsPath !== undefined) {
    const value = read(state.SecondsPath);
    if (typeof value !== 'number' || value < 0) {
      throw new UncatchableTaskError(
        `The Wait state's SecondsPath ${String(state.SecondsPath)} is not a number of seconds (${JSON.stringify(value)}).`,
      );
    }
    return value * 1000;
  }
  return until(read(state.TimestampPath));
}

/**
 * What ends a task or wait from outside: the end of its execution, or the stop of its Map
 * iteration or Parallel branch (a sibling failed), as on AWS.
 */
function stopSignal(execution: Execution): AbortSignal {
  const run = currentRunSignal();
  return run ? AbortSignal.any([execution.ended.signal, run]) : execution.ended.signal;
}

function endedBy(signal: AbortSignal): ExecutionEndedError {
  return new ExecutionEndedError(
    signal.reason instanceof RunStoppedError ? signal.reason.message : 'The execution has ended.',
  );
}

function watchTask(
  ended: AbortSignal,
  options: {
    timeoutMs: number | undefined;
    heartbeatMs: number | undefined;
    timeoutError: (name: string, cause: string) => Error;
  },
): TaskOutcome {
  let succeed: (output: unknown) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const answer = new Promise<unknown>((resolve, reject) => {
    succeed = resolve;
    fail = reject;
  });
  let interrupt: (error: Error) => void = () => {};
  const interruption = new Promise<never>((_resolve, reject) => {
    interrupt = reject;
  });
  // Whatever settles after the task has ended is nobody's concern.
  answer.catch(() => {});
  interruption.catch(() => {});
  const { timeoutMs, heartbeatMs, timeoutError } = options;
  const cancelTimeout =
    timeoutMs === undefined
      ? undefined
      : startTimer(timeoutMs, () =>
          interrupt(
            timeoutError('States.Timeout', 'The task did not finish within its TimeoutSeconds.'),
          ),
        );
  let cancelHeartbeat: (() => void) | undefined;
  const heartbeat = () => {
    cancelHeartbeat?.();
    if (heartbeatMs === undefined) return;
    cancelHeartbeat = startTimer(heartbeatMs, () =>
      interrupt(
        timeoutError('States.HeartbeatTimeout', 'No heartbeat within its HeartbeatSeconds.'),
      ),
    );
  };
  heartbeat();
  const onEnded = () => interrupt(endedBy(ended));
  ended.addEventListener('abort', onEnded);
  return {
    answer,
    interruption,
    succeed,
    fail,
    heartbeat,
    close() {
      cancelTimeout?.();
      cancelHeartbeat?.();
      ended.removeEventListener('abort', onEnded);
    },
  };
}

/** Runs `onExpiry` after `ms` (any length); returns the cancel function. */
function startTimer(ms: number, onExpiry: () => void): () => void {
  const due = Date.now() + ms;
  let handle: NodeJS.Timeout;
  const arm = (delay: number) => {
    handle = setTimeout(
      () => {
        const left = due - Date.now();
        if (left > 0) arm(left);
        else onExpiry();
      },
      Math.min(delay, MAX_TIMER_MS),
    );
  };
  arm(ms);
  return () => clearTimeout(handle);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const ended = () => {
      cancel();
      reject(endedBy(signal));
    };
    const cancel = startTimer(ms, () => {
      signal.removeEventListener('abort', ended);
      resolve();
    });
    if (signal.aborted) ended();
    else signal.addEventListener('abort', ended, { once: true });
  });
}

function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined) {
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isInteger(start) || start < 0) {
    throw new StepFunctionsServiceError('InvalidToken', `Invalid pagination token: '${nextToken}'`);
  }
  const size = maxResults && maxResults > 0 ? maxResults : 1000;
  const end = start + size;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? String(end) : undefined,
  };
}

let timeoutErrorClass: Promise<new () => Error> | undefined;

/**
 * The library's States.Timeout error class. Its Retry and Catch tell a timeout from other task
 * failures (`States.TaskFailed` does not match it) by this class, which it does not export, so
 * a one-state machine whose task times out at once hands it over.
 */
function statesTimeoutErrorClass(): Promise<new () => Error> {
  timeoutErrorClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: {
          Probe: {
            Type: 'Task',
            Resource: 'arn:aws:states:::local:probe',
            TimeoutSeconds: 0.001,
            End: true,
          },
        },
      },
      { validationOptions: { noValidate: true } },
    );
    const { result } = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<JsonValue>(() => {}) } },
    });
    const failure = await result.then(
      () => undefined,
      (error: unknown) => error,
    );
    const timeout = failure instanceof ExecutionError ? failure.cause : undefined;
    if (!(timeout instanceof Error) || timeout.name !== 'States.Timeout') {
      throw new Error('aws-local-stepfunctions no longer reports task timeouts as expected.');
    }
    return timeout.constructor as new () => Error;
  })();
  return timeoutErrorClass;
}
