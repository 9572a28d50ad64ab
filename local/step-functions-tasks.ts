import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { LOCAL_AWS } from './dynamodb';
import type { PutEventsEntry } from './event-bus';
import { LambdaInvocationError, UnknownFunctionError } from './lambda-host';
import type { DynamoDbAction, TaskIntegration } from './step-functions-definition';

/**
 * The service integrations of Task states, called the way Step Functions calls them and
 * answering with the results and error names a definition's ResultSelector, Retry and Catch
 * expect on AWS.
 */

/** How Task states reach the other local services. */
export interface TaskServices {
  /** Invokes the template function of this name. */
  invokeFunction(functionName: string, payload: unknown): Promise<unknown>;
  /** Puts events on the local bus a task names (name or ARN). */
  putEvents(eventBusName: string, entries: PutEventsEntry[]): Promise<{ eventIds: string[] }>;
  /** DynamoDB Local, for the dynamodb:* tasks. */
  dynamoEndpoint?: string;
  /** Receives failures nobody waits for (asynchronous invocations). */
  log?: (line: string) => void;
}

/**
 * An error a Task state reports: `name` is the error name Retry and Catch match, `message`
 * the cause.
 */
export class TaskStateError extends Error {
  constructor(errorName: string, cause: string) {
    super(cause);
    this.name = errorName;
  }
}

/**
 * An error that ends the execution whatever its Retry and Catch say (the library asks
 * `isRetryable` and `isCatchable`), like States.Runtime on AWS.
 */
export class UncatchableTaskError extends Error {
  override readonly name: string = 'States.Runtime';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

const lambdaInvokeParameters = z.object({
  FunctionName: z.string(),
  Payload: z.unknown().optional(),
  InvocationType: z.enum(['RequestResponse', 'Event']).optional(),
});

const putEventsParameters = z.object({
  Entries: z.array(
    z.object({
      Source: z.string(),
      DetailType: z.string(),
      Detail: z.unknown(),
      EventBusName: z.string().optional(),
      Resources: z.array(z.string()).optional(),
    }),
  ),
});

/** Errors the Lambda service (not the function) raises; Step Functions prefixes them `Lambda.`. */
const LAMBDA_SERVICE_ERRORS = new Set(['ServiceException', 'RequestEntityTooLargeException']);

const DYNAMODB_COMMANDS = {
  getItem: GetItemCommand,
  putItem: PutItemCommand,
  updateItem: UpdateItemCommand,
  deleteItem: DeleteItemCommand,
} as const;

export class TaskIntegrations {
  private dynamo: DynamoDBClient | undefined;

  constructor(private readonly services: TaskServices) {}

  /** Runs a Task state's integration; rejects with a TaskStateError the definition can match. */
  async call(integration: TaskIntegration, parameters: unknown): Promise<unknown> {
    switch (integration.kind) {
      case 'lambdaFunction':
        return this.invoke(integration.resource, parameters);
      case 'lambdaInvoke':
        return this.lambdaInvoke(parameters);
      case 'putEvents':
        return this.putEvents(parameters);
      case 'dynamodb':
        return this.dynamoDb(integration.resource, parameters);
      case 'unsupported':
        throw new UncatchableTaskError(
          `The local runtime does not run ${integration.resourceType}:${integration.resource} tasks.`,
        );
    }
  }

  destroy(): void {
    this.dynamo?.destroy();
  }

  private async invoke(functionName: string, payload: unknown): Promise<unknown> {
    try {
      return await this.services.invokeFunction(unqualifiedName(functionName), payload);
    } catch (error) {
      throw lambdaError(error);
    }
  }

  private async lambdaInvoke(parameters: unknown): Promise<unknown> {
    const { FunctionName, Payload, InvocationType } = parse(
      lambdaInvokeParameters,
      parameters,
      'Lambda.InvalidParameterValueException',
    );
    const payload = Payload ?? {};
    if (InvocationType === 'Event') {
      this.invoke(FunctionName, payload).catch((error: Error) =>
        this.services.log?.(
          `[step-functions] asynchronous invocation of ${FunctionName} failed: ${error.name}: ${error.message}`,
        ),
      );
      return { Payload: '', SdkHttpMetadata: { HttpStatusCode: 202 }, StatusCode: 202 };
    }
    return {
      ExecutedVersion: '$LATEST',
      Payload: await this.invoke(FunctionName, payload),
      SdkHttpMetadata: { HttpStatusCode: 200 },
      StatusCode: 200,
    };
  }

  /** As on AWS, the task fails with EventBridge.FailedEntry when an entry is not accepted. */
  private async putEvents(parameters: unknown): Promise<unknown> {
    const { Entries } = parse(putEventsParameters, parameters, 'EventBridge.ValidationException');
    const results: Record<string, string>[] = [];
    for (const entry of Entries) {
      try {
        const { eventIds } = await this.services.putEvents(entry.EventBusName ?? 'default', [
          {
            source: entry.Source,
            detailType: entry.DetailType,
            detail: entry.Detail,
            ...(entry.Resources ? { resources: entry.Resources } : {}),
          },
        ]);
        results.push({ EventId: eventIds[0] ?? '' });
      } catch (error) {
        results.push({
          ErrorCode: error instanceof Error ? error.name : 'InternalFailure',
          ErrorMessage: error instanceof Error ? error.message : String(error),
        });
      }
    }
    const failed = results.filter((result) => result.ErrorCode !== undefined).length;
    const response = { Entries: results, FailedEntryCount: failed };
    if (failed > 0) throw new TaskStateError('EventBridge.FailedEntry', JSON.stringify(response));
    return response;
  }

  private async dynamoDb(action: DynamoDbAction, parameters: unknown): Promise<unknown> {
    this.dynamo ??= new DynamoDBClient({ ...LOCAL_AWS, endpoint: this.services.dynamoEndpoint });
    // One request shape for the four commands: the task's Parameters.
    const Command = DYNAMODB_COMMANDS[action] as typeof GetItemCommand;
    try {
      const { $metadata: _metadata, ...response } = await this.dynamo.send(
        new Command(parameters as never),
      );
      return response;
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      throw new TaskStateError(`DynamoDB.${name}`, message);
    }
  }
}

/**
 * The function name in a FunctionName or function ARN: `name`, `name:alias`,
 * `123456789012:function:name` or `arn:aws:lambda:<region>:<account>:function:name[:version]`.
 */
function unqualifiedName(functionName: string): string {
  const parts = functionName.split(':');
  const at = parts.indexOf('function');
  return (at >= 0 ? parts[at + 1] : parts[0]) ?? functionName;
}

function parse<T>(schema: z.ZodType<T>, parameters: unknown, errorName: string): T {
  const result = schema.safeParse(parameters);
  if (!result.success) throw new TaskStateError(errorName, z.prettifyError(result.error));
  return result.data;
}

/**
 * A function's error becomes the task's error under the function's error type, with Lambda's
 * error object as cause; the Lambda service's own errors are named `Lambda.<error>`.
 */
function lambdaError(error: unknown): TaskStateError {
  if (error instanceof UnknownFunctionError) {
    return new TaskStateError('Lambda.ResourceNotFoundException', error.message);
  }
  if (!(error instanceof LambdaInvocationError)) {
    return new TaskStateError('Lambda.ServiceException', String(error));
  }
  if (LAMBDA_SERVICE_ERRORS.has(error.errorType)) {
    return new TaskStateError(`Lambda.${error.errorType}`, error.message);
  }
  return new TaskStateError(
    error.errorType,
    JSON.stringify({
      errorType: error.errorType,
      errorMessage: error.message,
      trace: error.trace,
    }),
  );
}
