import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue, type SecureQueue } from './secure-queue';

/** Every consumer of events (an EventConsumer, or the approval rules), by name. */
export const EVENT_CONSUMERS = [
  'IncidentsParentSync',
  'IncidentsProblemFollowUp',
  'ProblemsDetection',
  'ProblemsChangeFollowUp',
  'ChangeApprovals',
  'CmdbAwsConfigChanges',
] as const;
export type EventConsumerName = (typeof EVENT_CONSUMERS)[number];

export type DeadLetterQueuesByConsumer = Readonly<Record<EventConsumerName, IQueue>>;

/**
 * One dead-letter queue per event consumer, in the stateful stack: they hold events that
 * could not be delivered or processed until someone redrives them, so they must outlive a
 * rebuild of the stateless stack, or a consumer whose construct was renamed. A queue for a
 * consumer that is switched off (the AWS Config import) stays empty and costs nothing.
 *
 * Rules send their undeliverable events here. CDK would grant that by adding a statement
 * per rule to these queues' policies, which would make the stateful stack refer to the
 * stateless one; instead each queue lets EventBridge rules of this account send to it.
 */
export class DeadLetterQueues extends Construct {
  readonly queues: Readonly<Record<EventConsumerName, SecureQueue>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const rulesOfThisAccount = Stack.of(this).formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const queue = (consumer: EventConsumerName) => {
      const deadLetters = deadLetterQueue(this, consumer, `the ${consumer} consumer`);
      deadLetters.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [deadLetters.queueArn],
          conditions: { ArnLike: { 'aws:SourceArn': rulesOfThisAccount } },
        }),
      );
      return [consumer, deadLetters] as const;
    };
    this.queues = Object.fromEntries(EVENT_CONSUMERS.map(queue)) as Record<
      EventConsumerName,
      SecureQueue
    >;
  }

  /**
   * The queues as the stateless stack refers to them: imported, so that CDK adds no
   * statements for the rules to their policies (see above).
   */
  static referencedFrom(
    scope: Construct,
    queues: Readonly<Record<EventConsumerName, IQueue>>,
  ): DeadLetterQueuesByConsumer {
    return Object.fromEntries(
      EVENT_CONSUMERS.map((consumer) => [
        consumer,
        Queue.fromQueueAttributes(scope, `${consumer}DeadLetterQueue`, {
          queueArn: queues[consumer].queueArn,
          queueUrl: queues[consumer].queueUrl,
          queueName: queues[consumer].queueName,
        }),
      ]),
    ) as DeadLetterQueuesByConsumer;
  }
}
