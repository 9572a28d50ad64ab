import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startApiGateway } from './api-gateway';
import { ensureTable, LOCAL_AWS, startDynamoDbLocal } from './dynamodb';
import { LocalEventBus, type LocalRuleTarget } from './event-bus';
import { createTokenVerifier, LOCAL_ISSUER, loadSigningKey, publicJwk } from './keys';
import { type LambdaHost, startLambdaHost, UnknownFunctionError } from './lambda-host';
import { freePort } from './ports';
import { type SqsBatchResponse, startQueuePoller, startQueues } from './queues';
import { startSchedules } from './schedules';
import { LocalStepFunctions } from './step-functions';
import { startStepFunctionsEndpoint } from './step-functions-http';
import { type StreamPipe, startStreamPipe } from './stream-pipe';
import { type LocalWiring, readWiring, synthesize } from './template';

/**
 * The whole backend on one machine, wired from the synthesized CDK app: DynamoDB Local with
 * the template's tables, SQS queues (fauxqs) with their event source mappings, the functions
 * in worker threads, the outbox pipe from the table stream to the event bus, the bus's rules
 * and schedules, the state machines (with a Step Functions endpoint) and the HTTP API with its
 * JWT authorizer.
 */

export class LocalRuntimeError extends Error {
  override readonly name = 'LocalRuntimeError';
}

export interface LocalRuntimeOptions {
  /** Holds the synthesized app, the signing key and (unless inMemory) the data. */
  dataDir: string;
  /** 0 picks a free port. */
  apiPort: number;
  /** Keeps DynamoDB and the queues in memory (tests); otherwise they persist in dataDir. */
  inMemory?: boolean;
  /** Uses this cloud assembly instead of synthesizing the app (tests with a fixture). */
  assemblyDir?: string;
  /** Receives the runtime's lines: requests, function output, delivery failures. */
  log?: (line: string) => void;
  /**
   * Multiplies the durations of the state machines (Wait states, task timeouts and heartbeats,
   * retry intervals, execution timeouts): 1 is real time. Defaults to LOCAL_SFN_TIME_SCALE, else 1.
   */
  stepFunctionsTimeScale?: number;
}

export interface LocalRuntime {
  apiUrl: string;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  /** The Step Functions endpoint (AWS JSON protocol) the functions get as AWS_ENDPOINT_URL_SFN. */
  stepFunctionsEndpoint: string;
  /** The state machines' executions, for starting and inspecting them in-process. */
  stepFunctions: LocalStepFunctions;
  /** Local table name by logical id. */
  tableNames: Record<string, string>;
  /** The bus the outbox pipe publishes to (the application's custom bus). */
  bus: LocalEventBus;
  /** Every bus by name, `default` included when rules use it. */
  buses: Map<string, LocalEventBus>;
  wiring: LocalWiring;
  invoke: LambdaHost['invoke'];
  /** Resolves once the pipes and buses have delivered everything written so far. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** `IncidentsApi892BD1C0` -> `IncidentsApi`: logical ids without CDK's hash suffix. */
function shortName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}

function checkAuthorizers(wiring: LocalWiring): void {
  for (const route of wiring.api?.routes ?? []) {
    if (route.authorizer && route.authorizer.issuer !== LOCAL_ISSUER) {
      throw new LocalRuntimeError(
        `Route ${route.routeKey} trusts issuer ${route.authorizer.issuer}; locally only the template's Cognito user pool (${LOCAL_ISSUER}) issues tokens.`,
      );
    }
  }
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? ((line: string) => console.log(line));
  const logger = { warn: log, error: log };
  const { dataDir } = options;
  mkdirSync(dataDir, { recursive: true });
  const stoppers: (() => Promise<unknown> | unknown)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        log(`[runtime] stopping failed: ${String(error)}`);
      }
    }
  };

  try {
    const assemblyDir = options.assemblyDir ?? (await synthesize(join(dataDir, 'cdk.out')));
    const apiPort = options.apiPort === 0 ? await freePort() : options.apiPort;
    const sqsPort = await freePort();
    const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
    const sfnPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const wiring = readWiring(assemblyDir, { sqsEndpoint, apiUrl });
    checkAuthorizers(wiring);
    // Where each service keeps its state; nothing is kept in memory mode.
    const persisted = (name: string) => (options.inMemory ? {} : { dataDir: join(dataDir, name) });

    const dynamo = await startDynamoDbLocal(persisted('dynamodb'));
    stoppers.push(() => dynamo.stop());
    const dynamoClient = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
    for (const table of wiring.tables)
      await ensureTable(dynamoClient, table.name, table.properties);
    dynamoClient.destroy();

    const queues = await startQueues({ port: sqsPort, queues: wiring.queues, ...persisted('sqs') });
    stoppers.push(() => queues.stop());
    const sqs = new SQSClient({ ...LOCAL_AWS, endpoint: sqsEndpoint });
    stoppers.push(() => sqs.destroy());

    const host = startLambdaHost({
      functions: wiring.functions,
      environment: {
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamo.endpoint,
        AWS_ENDPOINT_URL_SQS: sqsEndpoint,
        AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfnPort}`,
      },
      onLog: (fn, line) => log(`[${shortName(fn.logicalId)}] ${line}`),
    });
    stoppers.push(() => host.stop());

    const stepFunctions = new LocalStepFunctions({
      stateMachines: wiring.stateMachines,
      invokeFunction: (functionName, payload) => {
        const fn = wiring.functions.find((candidate) => candidate.name === functionName);
        if (!fn) throw new UnknownFunctionError(`Function not found: ${functionName}`);
        return host.invoke(fn.logicalId, payload);
      },
      putEvents: (eventBusName, entries) => {
        const bus = buses.get(eventBusName.split(':event-bus/').pop() ?? eventBusName);
        if (!bus) throw new LocalRuntimeError(`No local event bus ${eventBusName}`);
        return bus.put(entries);
      },
      dynamoEndpoint: dynamo.endpoint,
      timeScale: options.stepFunctionsTimeScale ?? timeScaleFromEnvironment(),
      ...(options.inMemory
        ? {}
        : { journalFile: join(dataDir, 'step-functions', 'running-executions.json') }),
      log,
    });
    stoppers.push(() => stepFunctions.stop());
    const stepFunctionsEndpoint = await startStepFunctionsEndpoint(stepFunctions, {
      port: sfnPort,
    });
    stoppers.push(() => stepFunctionsEndpoint.stop());

    const sendToQueue = async (arn: string, body: string, extra: Record<string, unknown> = {}) => {
      const queue = wiring.queues.find((candidate) => candidate.arn === arn);
      if (!queue) throw new LocalRuntimeError(`No local queue ${arn}`);
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body, ...extra }));
    };
    const unsupportedTargets = new Set<string>();
    const dispatch = async (
      target: LocalRuleTarget,
      _event: unknown,
      _rule: unknown,
      input: string,
    ) => {
      const resolved = wiring.classify(target.arn);
      if (target.kind === 'sqs') {
        await sendToQueue(
          target.arn,
          input,
          target.messageGroupId ? { MessageGroupId: target.messageGroupId } : {},
        );
      } else if (target.kind === 'lambda' && resolved.logicalId) {
        await host.invoke(resolved.logicalId, JSON.parse(input));
      } else if (target.kind === 'stepfunctions') {
        stepFunctions.startExecution({ stateMachineArn: target.arn, input });
      } else if (!unsupportedTargets.has(target.arn)) {
        unsupportedTargets.add(target.arn);
        log(
          `[runtime] events for ${target.arn} (${target.kind}) are dropped: the local runtime does not run such targets`,
        );
      }
    };

    const busNames = new Set([
      ...wiring.buses.map((bus) => bus.name),
      ...wiring.rules.map((rule) => rule.eventBusName),
    ]);
    const buses = new Map(
      [...busNames].map((busName) => {
        const archived = wiring.buses.find((bus) => bus.name === busName)?.archived;
        const archiveDir = persisted('event-archive').dataDir;
        const bus: LocalEventBus = new LocalEventBus({
          busName,
          rules: wiring.rules,
          dispatch,
          deadLetter: ({ deadLetterArn, event, target, rule, error }) =>
            sendToQueue(deadLetterArn, JSON.stringify(event), {
              MessageAttributes: deadLetterAttributes(bus.ruleArn(rule), target.arn, error),
            }),
          ...(archived && archiveDir ? { archiveFile: join(archiveDir, `${busName}.jsonl`) } : {}),
          logger,
        });
        return [busName, bus] as const;
      }),
    );
    for (const bus of buses.values()) {
      const schedules = startSchedules(
        bus.scheduleRules(),
        (ruleId) => bus.dispatchScheduledEvent(ruleId),
        {
          logger,
        },
      );
      stoppers.push(() => schedules.stop());
    }

    for (const mapping of wiring.eventSourceMappings.filter((m) => m.enabled)) {
      const queue = wiring.queues.find((q) => q.logicalId === mapping.queueLogicalId);
      if (!queue)
        throw new LocalRuntimeError(`No queue ${mapping.queueLogicalId} for ${mapping.logicalId}`);
      const poller = startQueuePoller({
        endpoint: sqsEndpoint,
        queueUrl: queue.url,
        queueArn: queue.arn,
        batchSize: mapping.batchSize,
        reportBatchItemFailures: mapping.reportBatchItemFailures,
        invoke: (event) =>
          host.invoke(mapping.functionLogicalId, event) as Promise<SqsBatchResponse | undefined>,
        logger,
      });
      stoppers.push(() => poller.stop());
    }

    const pipes: StreamPipe[] = [];
    for (const pipe of wiring.pipes) {
      const table = wiring.tables.find((t) => t.logicalId === pipe.sourceTableLogicalId);
      const bus = buses.get(pipe.targetBusName);
      if (!table || !bus)
        throw new LocalRuntimeError(`Pipe ${pipe.logicalId} lacks its table or bus`);
      const enrichment = pipe.enrichmentFunctionLogicalId;
      const checkpointDir = persisted('pipes').dataDir;
      const running = await startStreamPipe({
        endpoint: dynamo.endpoint,
        tableName: table.name,
        pipeName: pipe.logicalId,
        filters: pipe.filters,
        ...(enrichment ? { enrich: (records) => host.invoke(enrichment, records) } : {}),
        ...(pipe.inputTemplate ? { inputTemplate: pipe.inputTemplate } : {}),
        ...(pipe.detailType ? { detailTypePath: pipe.detailType } : {}),
        ...(pipe.source ? { sourcePath: pipe.source } : {}),
        putEvents: (events) => bus.put(events),
        ...(checkpointDir ? { checkpointFile: join(checkpointDir, `${pipe.logicalId}.json`) } : {}),
        batchSize: pipe.batchSize,
        startingPosition: pipe.startingPosition,
        ...(pipe.maximumRetryAttempts === undefined
          ? {}
          : { maximumRetryAttempts: pipe.maximumRetryAttempts }),
        logger,
      });
      pipes.push(running);
      stoppers.push(() => running.stop());
    }

    if (!wiring.api) throw new LocalRuntimeError('The template has no HTTP API.');
    const signingKey = await loadSigningKey(dataDir);
    const gateway = await startApiGateway({
      port: apiPort,
      apiId: wiring.api.logicalId,
      routes: wiring.api.routes,
      ...(wiring.api.cors ? { cors: wiring.api.cors } : {}),
      invoke: (logicalId, event) => host.invoke(logicalId, event),
      verifyToken: createTokenVerifier(publicJwk(signingKey)),
      log,
    });
    stoppers.push(() => gateway.stop());

    // Everything the workflows call is up: the executions a restart interrupted start again.
    stepFunctions.resumeExecutions();

    const pipeBus = buses.get(wiring.pipes[0]?.targetBusName ?? wiring.buses[0]?.name ?? 'default');
    if (!pipeBus) throw new LocalRuntimeError('The template has no event bus.');
    return {
      apiUrl: gateway.url,
      dynamoEndpoint: dynamo.endpoint,
      sqsEndpoint,
      stepFunctionsEndpoint: stepFunctionsEndpoint.url,
      stepFunctions,
      tableNames: Object.fromEntries(wiring.tables.map((table) => [table.logicalId, table.name])),
      bus: pipeBus,
      buses,
      wiring,
      invoke: host.invoke,
      async drain() {
        await Promise.all(pipes.map((pipe) => pipe.drain()));
        await Promise.all([...buses.values()].map((bus) => bus.drain()));
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function timeScaleFromEnvironment(): number {
  const setting = process.env.LOCAL_SFN_TIME_SCALE;
  if (setting === undefined) return 1;
  const scale = Number(setting);
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new LocalRuntimeError(
      `LOCAL_SFN_TIME_SCALE must be a positive number, got '${setting}'.`,
    );
  }
  return scale;
}

/** The attributes EventBridge puts on a message it dead-letters. */
function deadLetterAttributes(
  ruleArn: string,
  targetArn: string,
  error: unknown,
): Record<string, MessageAttributeValue> {
  const text = (value: string): MessageAttributeValue => ({
    DataType: 'String',
    StringValue: value,
  });
  return {
    RULE_ARN: text(ruleArn),
    TARGET_ARN: text(targetArn),
    ERROR_CODE: text(error instanceof Error ? error.name : 'Error'),
    ERROR_MESSAGE: text(error instanceof Error ? error.message : String(error)),
  };
}
