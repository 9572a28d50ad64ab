import { randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { LOCAL_AWS } from './dynamodb';
import type { LocalFunction } from './template';

/**
 * Runs the synthesized functions like Lambda does: each execution environment is a worker
 * thread that imports the function's bundle once (the cold start) and then serves one
 * invocation at a time with the function's resolved environment, timeout and memory setting.
 * Concurrent invocations get more environments, up to `maxConcurrencyPerFunction`.
 */

/** Lambda's limit for a synchronous invocation's request and response payloads. */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Lambda gives the init phase (module scope) 10 s, separately from the function timeout. */
const INIT_TIMEOUT_MS = 10_000;

export class LambdaInvocationError extends Error {
  override readonly name = 'LambdaInvocationError';
  constructor(
    /** Lambda's `errorType`: the error's name, or `Sandbox.Timedout`, `Runtime.ExitError`... */
    readonly errorType: string,
    message: string,
    readonly trace: string[] = [],
  ) {
    super(message);
  }
}

export class UnknownFunctionError extends Error {
  override readonly name = 'UnknownFunctionError';
}

export interface InvokeContext {
  awsRequestId?: string;
}

export interface LambdaHost {
  invoke(logicalId: string, event: unknown, context?: InvokeContext): Promise<unknown>;
  stop(): Promise<void>;
}

export interface LambdaHostOptions {
  functions: LocalFunction[];
  /** Variables every function gets (local endpoints); the template's variables win. */
  environment?: Record<string, string>;
  maxConcurrencyPerFunction?: number;
  /** Receives each line a function writes to stdout or stderr. */
  onLog?: (fn: LocalFunction, line: string) => void;
}

interface WorkerMessage {
  type: 'ready' | 'initError' | 'result' | 'error';
  payload?: string;
  error?: { errorType: string; errorMessage: string; trace: string[] };
}

/** One execution environment. */
class Environment {
  readonly worker: Worker;
  private readonly ready: Promise<void>;
  private pending: ((outcome: WorkerMessage) => void) | undefined;
  private exitOutcome: WorkerMessage | undefined;

  constructor(
    readonly fn: LocalFunction,
    env: Record<string, string>,
    onLog: ((fn: LocalFunction, line: string) => void) | undefined,
    private readonly onGone: (environment: Environment) => void,
  ) {
    this.worker = new Worker(new URL('./lambda-worker.mjs', import.meta.url), {
      workerData: { assetDir: fn.assetDir, handler: fn.handler },
      env,
      stdout: onLog !== undefined,
      stderr: onLog !== undefined,
    });
    if (onLog) {
      for (const stream of [this.worker.stdout, this.worker.stderr] as Readable[]) {
        createInterface({ input: stream }).on('line', (line) => onLog(fn, line));
      }
    }
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new LambdaInvocationError('Runtime.InitTimeout', 'INIT_REPORT Status: timeout'));
      }, INIT_TIMEOUT_MS);
      this.pending = (message) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve();
        else reject(toError(message));
      };
    });
    // Rejections are observed through invoke(); this keeps an unused failure from crashing us.
    this.ready.catch(() => undefined);
    this.worker.on('message', (message: WorkerMessage) => this.settle(message));
    this.worker.on('error', (error) =>
      this.settle({
        type: 'error',
        error: {
          errorType: 'Runtime.UnhandledError',
          errorMessage: error.message,
          trace: (error.stack ?? '').split('\n'),
        },
      }),
    );
    this.worker.on('exit', (code) => {
      this.exitOutcome = {
        type: 'error',
        error: {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: Error: Runtime exited with error: exit status ${code}`,
          trace: [],
        },
      };
      this.settle(this.exitOutcome);
      this.onGone(this);
    });
  }

  private settle(message: WorkerMessage): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.(message);
  }

  /** Runs one invocation; a failure that leaves the environment unusable terminates it. */
  async run(event: unknown, requestId: string): Promise<unknown> {
    try {
      await this.ready;
    } catch (error) {
      // A failed init leaves nothing to reuse: the next invocation starts a fresh environment.
      await this.terminate();
      throw error;
    }
    if (this.exitOutcome) throw toError(this.exitOutcome);
    const { fn } = this;
    const timeoutMs = fn.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const outcome = new Promise<WorkerMessage>((resolve) => {
      this.pending = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<WorkerMessage>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            type: 'error',
            error: {
              errorType: 'Sandbox.Timedout',
              errorMessage: `RequestId: ${requestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
              trace: [],
            },
          }),
        timeoutMs,
      );
    });
    this.worker.postMessage({
      event,
      traceId: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Sampled=0`,
      context: {
        awsRequestId: requestId,
        deadline,
        functionName: fn.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: fn.arn,
        memoryLimitInMB: String(fn.memoryMb),
        logGroupName: `/aws/lambda/${fn.name}`,
        logStreamName: `local/[$LATEST]${this.worker.threadId}`,
      },
    });
    const message = await Promise.race([outcome, timeout]);
    clearTimeout(timer);
    if (message.type === 'result') {
      const payload = message.payload ?? 'null';
      if (Buffer.byteLength(payload) > MAX_SYNC_PAYLOAD_BYTES) {
        throw new LambdaInvocationError(
          'Function.ResponseSizeTooLarge',
          `Response payload size exceeded maximum allowed payload size (${MAX_SYNC_PAYLOAD_BYTES} bytes).`,
        );
      }
      return JSON.parse(payload);
    }
    // Lambda resets the environment after a timeout or a crash, but not after a handled error.
    if (
      message.error?.errorType === 'Sandbox.Timedout' ||
      message.error?.errorType.startsWith('Runtime.')
    ) {
      await this.terminate();
    }
    throw toError(message);
  }

  async terminate(): Promise<void> {
    this.pending = undefined;
    await this.worker.terminate();
  }
}

function toError(message: WorkerMessage): LambdaInvocationError {
  const error = message.error ?? { errorType: 'Unknown', errorMessage: 'Unknown error', trace: [] };
  return new LambdaInvocationError(error.errorType, error.errorMessage, error.trace);
}

/** The variables Lambda sets itself; a template cannot override them. */
function reservedVariables(fn: LocalFunction): Record<string, string> {
  return {
    AWS_REGION: LOCAL_AWS.region,
    AWS_DEFAULT_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: 'local',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: fn.assetDir,
    _HANDLER: fn.handler,
  };
}

export function startLambdaHost(options: LambdaHostOptions): LambdaHost {
  const functions = new Map(options.functions.map((fn) => [fn.logicalId, fn]));
  const maxConcurrency = options.maxConcurrencyPerFunction ?? 4;
  const idle = new Map<string, Environment[]>();
  const all = new Set<Environment>();
  const waiting = new Map<string, (() => void)[]>();
  let stopped = false;

  const release = (environment: Environment) => {
    const logicalId = environment.fn.logicalId;
    const next = waiting.get(logicalId)?.shift();
    if (!all.has(environment)) {
      next?.();
      return;
    }
    idle.set(logicalId, [...(idle.get(logicalId) ?? []), environment]);
    next?.();
  };

  const gone = (environment: Environment) => {
    all.delete(environment);
    const list = idle.get(environment.fn.logicalId);
    if (list)
      idle.set(
        environment.fn.logicalId,
        list.filter((e) => e !== environment),
      );
  };

  async function acquire(fn: LocalFunction): Promise<Environment> {
    for (;;) {
      const warm = idle.get(fn.logicalId)?.pop();
      if (warm) return warm;
      const count = [...all].filter((e) => e.fn.logicalId === fn.logicalId).length;
      if (count < maxConcurrency) {
        const environment = new Environment(
          fn,
          {
            ...options.environment,
            ...fn.environment,
            ...reservedVariables(fn),
            POWERTOOLS_DEV: 'true',
          },
          options.onLog,
          gone,
        );
        all.add(environment);
        return environment;
      }
      await new Promise<void>((resolve) => {
        waiting.set(fn.logicalId, [...(waiting.get(fn.logicalId) ?? []), resolve]);
      });
    }
  }

  return {
    async invoke(logicalId, event, context = {}) {
      if (stopped)
        throw new LambdaInvocationError('ServiceException', 'The Lambda host is stopped.');
      const fn = functions.get(logicalId);
      if (!fn) throw new UnknownFunctionError(`No function ${logicalId} in the template.`);
      const request = JSON.stringify(event ?? null);
      if (Buffer.byteLength(request) > MAX_SYNC_PAYLOAD_BYTES) {
        throw new LambdaInvocationError(
          'RequestEntityTooLargeException',
          `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
        );
      }
      const environment = await acquire(fn);
      try {
        return await environment.run(JSON.parse(request), context.awsRequestId ?? randomUUID());
      } finally {
        release(environment);
      }
    },
    async stop() {
      stopped = true;
      await Promise.all([...all].map((environment) => environment.terminate()));
      all.clear();
      idle.clear();
    },
  };
}
