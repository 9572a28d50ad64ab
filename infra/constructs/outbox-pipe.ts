import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OUTBOX_STREAM_FILTER } from '../../shared/events/outbox';
import { type FunctionDefaults, ItsmFunction } from './itsm-function';

export class TableWithoutStreamError extends Error {
  override readonly name = 'TableWithoutStreamError';
}

export interface OutboxPipeProps {
  /** Its table's stream carries the outbox items. */
  readonly defaults: FunctionDefaults;
  readonly eventBus: IEventBus;
  /** Receives the stream records that still fail after all retries. */
  readonly deadLetterQueue: IQueue;
}

/** Stream retries before a record is dead-lettered; bisecting narrows a failure to one record. */
const MAXIMUM_RETRY_ATTEMPTS = 10;

/**
 * Publishes the transactional outbox: an EventBridge pipe reads the table's stream, keeps
 * only inserted outbox items, has the enrichment function turn each into
 * `{ source, detailType, detail }`, and puts it on the bus. A failing batch is retried and
 * bisected until the failing record is isolated and dead-lettered, so one malformed item
 * cannot block the ones behind it for longer than the retries take.
 */
export class OutboxPipe extends Construct {
  readonly enrichment: ItsmFunction;
  readonly pipe: CfnPipe;

  constructor(scope: Construct, id: string, props: OutboxPipeProps) {
    super(scope, id);
    const streamArn = props.defaults.table.tableStreamArn;
    if (!streamArn) throw new TableWithoutStreamError('The outbox pipe needs a table stream.');

    this.enrichment = new ItsmFunction(this, 'Enrichment', {
      defaults: props.defaults,
      entry: 'functions/outbox/enrich.ts',
      description: 'Turns outbox items from the table stream into events for the bus.',
      serviceName: 'outbox',
    });

    const logGroup = new LogGroup(this, 'PipeLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const role = new Role(this, 'PipeRole', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        resources: [streamArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.enrichment.functionArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['events:PutEvents'],
        resources: [props.eventBus.eventBusArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [props.deadLetterQueue.queueArn],
      }),
    );
    logGroup.grantWrite(role);

    this.pipe = new CfnPipe(this, 'Pipe', {
      description: 'Transactional outbox: table stream -> enrichment -> event bus.',
      roleArn: role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition: 'LATEST',
          batchSize: 10,
          maximumRetryAttempts: MAXIMUM_RETRY_ATTEMPTS,
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
        },
        filterCriteria: { filters: [{ pattern: JSON.stringify(OUTBOX_STREAM_FILTER) }] },
      },
      enrichment: this.enrichment.functionArn,
      target: props.eventBus.eventBusArn,
      targetParameters: {
        // Paths into each element the enrichment returned.
        eventBridgeEventBusParameters: { source: '$.source', detailType: '$.detailType' },
        inputTemplate: '<$.detail>',
      },
      logConfiguration: {
        level: 'ERROR',
        cloudwatchLogsLogDestination: { logGroupArn: logGroup.logGroupArn },
      },
    });
    // The pipe validates its permissions on creation, so the role's policy must exist first.
    this.pipe.node.addDependency(role);
  }
}
