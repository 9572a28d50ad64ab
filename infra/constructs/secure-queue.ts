import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The longest SQS allows, so that a failure found after a weekend can still be redriven. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

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
