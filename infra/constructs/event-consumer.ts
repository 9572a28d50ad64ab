import { Duration } from 'aws-cdk-lib';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventContract } from '../../shared/events/envelope';
import type { ItsmFunction } from './itsm-function';
import { SecureQueue } from './secure-queue';

/** What a rule needs of an event contract, ours (the catalog) or another system's. */
export type EventRoute = Pick<EventContract, 'source' | 'detailType'>;

export interface EventConsumerProps {
  /** The bus the events arrive on; the account's default bus (AWS services') when absent. */
  readonly eventBus?: IEventBus;
  /** The contracts consumed: the rule's sources and detail-types come from them. */
  readonly events: readonly EventRoute[];
  /** Further conditions on `detail`, in the event pattern language. */
  readonly detail?: Record<string, unknown>;
  readonly description: string;
  /** The function that processes the events; it must report partial batch failures. */
  readonly handler: ItsmFunction;
  /** The consumer's dead-letter queue, from the stateful stack (DeadLetterQueues). */
  readonly deadLetterQueue: IQueue;
  /** Deliveries per message before it goes to the dead-letter queue. */
  readonly maxReceiveCount?: number;
}

/**
 * How one process area consumes another's events: a rule on the bus delivers to an SQS
 * queue, which a function drains in batches and reports partial failures; a message that
 * keeps failing, or an event the rule cannot deliver, ends in the dead-letter queue and does
 * not block the others. One dead-letter queue serves both, since either way it holds the
 * event itself, ready to be redriven.
 */
export class EventConsumer extends Construct {
  readonly queue: SecureQueue;
  readonly deadLetterQueue: IQueue;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: EventConsumerProps) {
    super(scope, id);
    this.deadLetterQueue = props.deadLetterQueue;
    this.queue = new SecureQueue(this, 'Queue', {
      // AWS's advice: six times the function timeout, so retries do not overlap.
      visibilityTimeout: Duration.seconds(props.handler.timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.rule = new Rule(this, 'Rule', {
      description: props.description,
      eventBus: props.eventBus,
      eventPattern: {
        source: [...new Set(props.events.map((contract) => contract.source))],
        detailType: props.events.map((contract) => contract.detailType),
        ...(props.detail ? { detail: props.detail } : {}),
      },
      targets: [
        new SqsQueue(this.queue, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 10,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    props.handler.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );
  }
}
