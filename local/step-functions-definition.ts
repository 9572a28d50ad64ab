import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * Turns a synthesized Amazon States Language definition into the one aws-local-stepfunctions
 * runs. The library keeps the states, paths, Choice rules, Retry and Catch; the local runtime
 * takes over what it cannot do: the time of Wait states and task timeouts (real by default,
 * scaled for tests), heartbeats, task tokens and the service integrations of Task states.
 */

type Json = Record<string, unknown>;

/** A state as the template defines it (nested Parallel and Map states included). */
export interface StateDefinition extends Json {
  Type: string;
}

/** What the local runtime does for a Task state's Resource. */
export type TaskIntegration =
  | { kind: 'lambdaFunction'; resourceType: 'lambda'; resource: string }
  | {
      kind: 'lambdaInvoke' | 'putEvents';
      resourceType: string;
      resource: string;
      waitForTaskToken: boolean;
    }
  | { kind: 'dynamodb'; resourceType: 'dynamodb'; resource: DynamoDbAction }
  | { kind: 'unsupported'; resourceType: string; resource: string };

const DYNAMODB_ACTIONS = ['getItem', 'putItem', 'updateItem', 'deleteItem'] as const;
export type DynamoDbAction = (typeof DYNAMODB_ACTIONS)[number];

export const SUPPORTED_INTEGRATIONS =
  'Lambda functions (function ARNs, lambda:invoke and lambda:invoke.waitForTaskToken), ' +
  'events:putEvents[.waitForTaskToken] and dynamodb:getItem/putItem/updateItem/deleteItem';

/** Reads a Task state's Resource: `arn:aws:states:::<service>:<action>[.<pattern>]` or a function ARN. */
export function integrationOf(resource: string): TaskIntegration {
  if (/^arn:aws[\w-]*:lambda:[^:]*:\d*:function:[^:]+(:[^:]+)?$/.test(resource)) {
    return { kind: 'lambdaFunction', resourceType: 'lambda', resource };
  }
  const match = /^arn:aws[\w-]*:states:::(.+?):([^:]+)$/.exec(resource);
  if (!match) return { kind: 'unsupported', resourceType: 'unknown', resource };
  const [, resourceType = '', action = ''] = match;
  const [operation, pattern] = action.split('.', 2);
  const waitForTaskToken = pattern === 'waitForTaskToken';
  if (pattern === undefined || waitForTaskToken) {
    if (resourceType === 'lambda' && operation === 'invoke') {
      return { kind: 'lambdaInvoke', resourceType, resource: action, waitForTaskToken };
    }
    if (resourceType === 'events' && operation === 'putEvents') {
      return { kind: 'putEvents', resourceType, resource: action, waitForTaskToken };
    }
    const dynamoDbAction = DYNAMODB_ACTIONS.find((candidate) => candidate === operation);
    if (resourceType === 'dynamodb' && dynamoDbAction && !waitForTaskToken) {
      return { kind: 'dynamodb', resourceType, resource: dynamoDbAction };
    }
  }
  return { kind: 'unsupported', resourceType, resource: action };
}

/**
 * What a Task state's handler receives from the library: its Parameters (or its input when it
 * has none) and the values of its TimeoutSecondsPath / HeartbeatSecondsPath, all evaluated by
 * the library against the state's input.
 */
export interface WrappedTaskInput {
  parameters: unknown;
  timeoutSeconds?: unknown;
  heartbeatSeconds?: unknown;
}

/** Placeholder for `$$.Task.Token` in the context object; each task gets its own token. */
export const TASK_TOKEN_PLACEHOLDER = '<$$.Task.Token of a .waitForTaskToken task>';

/**
 * The library's own timer for each task, which the local runtime leaves unused: its longest
 * setTimeout (about 24.8 days), since it would default to 60 seconds.
 */
const LIBRARY_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
/** The library retries after IntervalSeconds (default 1) times BackoffRate^attempt. */
const DEFAULT_RETRY_INTERVAL_SECONDS = 1;
const WAIT_RESOURCE = 'arn:aws:states:::local:wait';

export interface PreparedDefinition {
  /** The definition given to the library. */
  runnable: StateMachineDefinition;
  /** Every state by name, as the template defines it (state names are unique machine-wide). */
  states: Map<string, StateDefinition>;
  /** The machine's TimeoutSeconds, scaled; undefined when it has none. */
  executionTimeoutMs: number | undefined;
  /** Why executions of this definition cannot run locally, if they cannot. */
  unrunnable: string | undefined;
}

/**
 * Validates `definitionText` (the library's ASL validation) and rewrites it for the library:
 * Wait states become local tasks (their time is scaled), Task states lose their timeouts (the
 * local runtime enforces them, scaled, with heartbeats) and get their Parameters wrapped with
 * the timeout paths, retry intervals are scaled, and catchers and retriers of `States.Timeout`
 * also match `States.HeartbeatTimeout` as on AWS. `timeScale` multiplies every duration.
 */
export function prepareDefinition(definitionText: string, timeScale: number): PreparedDefinition {
  const definition = JSON.parse(definitionText) as Json;
  const states = new Map<string, StateDefinition>();
  collectStates(definition, states);
  const timeout = definition.TimeoutSeconds;
  return {
    runnable: rewriteMachine(definition, timeScale) as unknown as StateMachineDefinition,
    states,
    executionTimeoutMs: typeof timeout === 'number' ? timeout * 1000 * timeScale : undefined,
    unrunnable: unrunnableReason(definition, states),
  };
}

function unrunnableReason(
  definition: Json,
  states: Map<string, StateDefinition>,
): string | undefined {
  const jsonata = [definition, ...states.values()].some(
    (state) => state.QueryLanguage === 'JSONata',
  );
  if (jsonata)
    return 'JSONata states do not run locally (aws-local-stepfunctions evaluates JSONPath only).';
  const withVariables = [...states].find(([, state]) => state.Assign !== undefined);
  if (withVariables) {
    return `State ${withVariables[0]} assigns workflow variables, which do not run locally.`;
  }
  try {
    new StateMachine(definition as unknown as StateMachineDefinition);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The nested state machines of a Parallel or Map state. */
function nestedMachines(state: Json): Json[] {
  const branches = Array.isArray(state.Branches) ? (state.Branches as Json[]) : [];
  const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
  return processor ? [...branches, processor] : branches;
}

function collectStates(machine: Json, into: Map<string, StateDefinition>): void {
  for (const [name, state] of Object.entries(
    (machine.States ?? {}) as Record<string, StateDefinition>,
  )) {
    into.set(name, state);
    for (const nested of nestedMachines(state)) collectStates(nested, into);
  }
}

function rewriteMachine(machine: Json, timeScale: number): Json {
  const { TimeoutSeconds: _executionTimeoutIsLocal, States: states, ...rest } = machine;
  return {
    ...rest,
    States: Object.fromEntries(
      Object.entries((states ?? {}) as Record<string, StateDefinition>).map(([name, state]) => [
        name,
        rewriteState(state, timeScale),
      ]),
    ),
  };
}

function rewriteState(state: StateDefinition, timeScale: number): Json {
  switch (state.Type) {
    case 'Wait': {
      const { Seconds, Timestamp, SecondsPath, TimestampPath, Type, ...flow } = state;
      return {
        ...flow,
        Type: 'Task',
        Resource: WAIT_RESOURCE,
        TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS,
      };
    }
    case 'Task': {
      const {
        TimeoutSeconds,
        TimeoutSecondsPath,
        HeartbeatSeconds,
        HeartbeatSecondsPath,
        Parameters,
        ...rest
      } = state;
      return {
        ...withErrorHandling(rest, timeScale),
        Parameters: {
          ...(Parameters === undefined ? { 'parameters.$': '$' } : { parameters: Parameters }),
          ...(TimeoutSecondsPath === undefined ? {} : { 'timeoutSeconds.$': TimeoutSecondsPath }),
          ...(HeartbeatSecondsPath === undefined
            ? {}
            : { 'heartbeatSeconds.$': HeartbeatSecondsPath }),
        },
        TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS,
      };
    }
    case 'Parallel':
      return {
        ...withErrorHandling(state, timeScale),
        Branches: (state.Branches as Json[]).map((branch) => rewriteMachine(branch, timeScale)),
      };
    case 'Map': {
      const processorKey = state.ItemProcessor === undefined ? 'Iterator' : 'ItemProcessor';
      return {
        ...withErrorHandling(state, timeScale),
        [processorKey]: rewriteMachine(state[processorKey] as Json, timeScale),
      };
    }
    default:
      return state;
  }
}

interface Retrier extends Json {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxDelaySeconds?: number;
}

function withErrorHandling(state: Json, timeScale: number): Json {
  const retry = state.Retry as Retrier[] | undefined;
  const catchers = state.Catch as Json[] | undefined;
  return {
    ...state,
    ...(retry
      ? {
          Retry: retry.map((retrier) => ({
            ...retrier,
            ErrorEquals: withHeartbeatTimeout(retrier.ErrorEquals),
            IntervalSeconds:
              (retrier.IntervalSeconds ?? DEFAULT_RETRY_INTERVAL_SECONDS) * timeScale,
            ...(retrier.MaxDelaySeconds === undefined
              ? {}
              : { MaxDelaySeconds: retrier.MaxDelaySeconds * timeScale }),
          })),
        }
      : {}),
    ...(catchers
      ? {
          Catch: catchers.map((catcher) => ({
            ...catcher,
            ErrorEquals: withHeartbeatTimeout(catcher.ErrorEquals as string[]),
          })),
        }
      : {}),
  };
}

/** On AWS, `States.Timeout` matches heartbeat timeouts too; the library matches names exactly. */
function withHeartbeatTimeout(errors: string[]): string[] {
  return errors.includes('States.Timeout') && !errors.includes('States.HeartbeatTimeout')
    ? [...errors, 'States.HeartbeatTimeout']
    : errors;
}
