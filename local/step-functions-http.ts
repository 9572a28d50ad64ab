import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { type LocalStepFunctions, StepFunctionsServiceError } from './step-functions';

/**
 * Serves the local Step Functions service over the AWS JSON 1.0 protocol (`POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Operation>`), so that the AWS SDK's SFNClient works against
 * it with `AWS_ENDPOINT_URL_SFN` (or `endpoint`) set.
 */

export interface StepFunctionsEndpoint {
  url: string;
  stop(): Promise<void>;
}

const TARGET_PREFIX = 'AWSStepFunctions.';
/** Step Functions' payloads are at most 256 KiB; a request is a little more. */
const MAX_REQUEST_BYTES = 1024 * 1024;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

const executionArn = z.object({ executionArn: z.string() });
const taskToken = z.string().min(1).max(2048);
const pagination = {
  maxResults: z.number().int().min(0).max(1000).optional(),
  nextToken: z.string().optional(),
};

/** The operations functions and tests need, each with its request schema. */
function operations(service: LocalStepFunctions) {
  const operation = <T extends z.ZodType>(schema: T, run: (request: z.infer<T>) => unknown) => ({
    schema,
    run,
  });
  return {
    StartExecution: operation(
      z.object({
        stateMachineArn: z.string(),
        name: z.string().optional(),
        input: z.string().optional(),
        traceHeader: z.string().optional(),
      }),
      (request) => service.startExecution(request),
    ),
    DescribeExecution: operation(executionArn, (request) => service.describeExecution(request)),
    GetExecutionHistory: operation(
      executionArn.extend({
        reverseOrder: z.boolean().optional(),
        includeExecutionData: z.boolean().optional(),
        ...pagination,
      }),
      (request) => service.getExecutionHistory(request),
    ),
    ListExecutions: operation(
      z.object({
        stateMachineArn: z.string(),
        statusFilter: z.enum(STATUSES).optional(),
        ...pagination,
      }),
      (request) => service.listExecutions(request),
    ),
    SendTaskSuccess: operation(z.object({ taskToken, output: z.string() }), (request) =>
      service.sendTaskSuccess(request),
    ),
    SendTaskFailure: operation(
      z.object({ taskToken, error: z.string().optional(), cause: z.string().optional() }),
      (request) => service.sendTaskFailure(request),
    ),
    SendTaskHeartbeat: operation(z.object({ taskToken }), (request) =>
      service.sendTaskHeartbeat(request),
    ),
    StopExecution: operation(
      executionArn.extend({ error: z.string().optional(), cause: z.string().optional() }),
      (request) => service.stopExecution(request),
    ),
  };
}

export async function startStepFunctionsEndpoint(
  service: LocalStepFunctions,
  options: { port: number },
): Promise<StepFunctionsEndpoint> {
  const supported: Record<string, { schema: z.ZodType; run: (request: never) => unknown }> =
    operations(service);
  const server = createServer((request, response) => {
    handle(supported, request, response).catch((error: unknown) =>
      reply(response, 500, { __type: 'InternalFailure', message: String(error) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  supported: Record<string, { schema: z.ZodType; run: (request: never) => unknown }>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.startsWith(TARGET_PREFIX)
    ? supported[target.slice(TARGET_PREFIX.length)]
    : undefined;
  if (request.method !== 'POST' || !operation) {
    return reply(response, 400, {
      __type: 'UnknownOperationException',
      message: `The local Step Functions service does not support '${target}'; it supports ${Object.keys(supported).join(', ')}.`,
    });
  }
  const body = await readBody(request);
  if (body === undefined) {
    return reply(response, 413, {
      __type: 'ValidationException',
      message: 'Request too large',
    });
  }
  let json: unknown;
  try {
    json = body === '' ? {} : JSON.parse(body);
  } catch {
    return reply(response, 400, { __type: 'SerializationException', message: 'Malformed JSON' });
  }
  const parsed = operation.schema.safeParse(json);
  if (!parsed.success) {
    return reply(response, 400, {
      __type: 'ValidationException',
      message: z.prettifyError(parsed.error),
    });
  }
  try {
    reply(response, 200, await operation.run(parsed.data as never));
  } catch (error) {
    if (!(error instanceof StepFunctionsServiceError)) throw error;
    reply(response, 400, { __type: error.code, message: error.message });
  }
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Timestamps go over the wire as epoch seconds, as in AWS's JSON protocols. */
function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': randomUUID(),
    ...(status >= 400 ? { 'x-amzn-errortype': (body as { __type: string }).__type } : {}),
  });
  response.end(text);
}
