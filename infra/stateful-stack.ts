import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
} from 'aws-cdk-lib/aws-dynamodb';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { TABLE_INDEXES, TABLE_KEYS } from '../shared/db/table';
import { DeadLetterQueues, EVENT_CONSUMERS } from './constructs/dead-letter-queues';
import { deadLetterQueue, type SecureQueue } from './constructs/secure-queue';

export interface StatefulStackProps extends StackProps {
  readonly stage: string;
}

/**
 * What holds data and must survive redeployments of the code: the single table, the event
 * bus with its archive, and the dead-letter queues (the outbox pipe's and each event
 * consumer's). Kept apart from the stateless stack so that the latter can be torn down and
 * rebuilt freely.
 */
export class StatefulStack extends Stack {
  readonly table: Table;
  readonly eventBus: EventBus;
  /** Receives the stream records the outbox pipe could not deliver after all retries. */
  readonly outboxDeadLetterQueue: SecureQueue;
  /** Events each consumer could not take or process, until they are redriven. */
  readonly deadLetterQueues: DeadLetterQueues;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The outbox pipe reads new items; NEW_AND_OLD_IMAGES also leaves room for change-data consumers.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: TABLE_KEYS.timeToLive,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [indexName, keys] of Object.entries(TABLE_INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: keys.partitionKey, type: AttributeType.STRING },
        sortKey: { name: keys.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }

    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: `itsm-${props.stage}` });
    new Archive(this, 'EventArchive', {
      sourceEventBus: this.eventBus,
      description: 'Every event published on the bus, for replay and audit.',
      // An archive needs a pattern; every event on the bus comes from this account.
      eventPattern: { account: [this.account] },
      retention: Duration.days(365),
    });

    this.outboxDeadLetterQueue = deadLetterQueue(this, 'OutboxDeadLetterQueue', 'the outbox pipe');

    this.deadLetterQueues = new DeadLetterQueues(this, 'DeadLetters');

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'OutboxDeadLetterQueueUrl', { value: this.outboxDeadLetterQueue.queueUrl });
    for (const consumer of EVENT_CONSUMERS) {
      new CfnOutput(this, `${consumer}DeadLetterQueueUrl`, {
        value: this.deadLetterQueues.queues[consumer].queueUrl,
      });
    }
  }
}
