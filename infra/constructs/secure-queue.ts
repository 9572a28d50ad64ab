import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The longest SQS allows, so that a failure found after a weekend can still be redriven. */
const DEAD_LETTER_RETENTION = Duration.days(14);

/** An SQS queue that is always encrypted at rest and refuses requests not made over TLS. */
export class SecureQueue extends Queue {
  constructor(
    scope: Construct,
    id: string,
    props: Omit<QueueProps, 'encryption' | 'encryptionMasterKey' | 'enforceSSL'> = {},
  ) {
    super(scope, id, { ...props, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
  }
}

/** A dead-letter queue: a SecureQueue that keeps what it holds as long as SQS allows. */
export function deadLetterQueue(scope: Construct, id: string, of: string): SecureQueue {
  const queue = new SecureQueue(scope, id, { retentionPeriod: DEAD_LETTER_RETENTION });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This queue is the dead-letter queue of ${of}; a DLQ needs no DLQ.`,
  });
  return queue;
}
