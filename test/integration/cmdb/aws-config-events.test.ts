import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMPORTED_RESOURCE_TYPES_ENV } from '../../../functions/cmdb/aws-config-settings';
import { getCi } from '../../../functions/cmdb/repository';
import { awsResourceCiId } from '../../../shared/domain/ids';
import { ConfigurationItemChange } from '../../../shared/events/aws-config';
import { ACCOUNT_ID, ec2InstanceItem, REGION } from '../../unit/cmdb/aws-config-items';
import { outboxEventsOf } from '../incident/support';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
let handler: Handler;

beforeAll(async () => {
  // The handler reads its settings at cold start, as in Lambda.
  process.env[IMPORTED_RESOURCE_TYPES_ENV] = JSON.stringify(['AWS::EC2::Instance']);
  ({ handler } = (await import('../../../functions/cmdb/aws-config-events')) as {
    handler: Handler;
  });
});

const lambdaContext = {
  functionName: 'cmdb-aws-config-change-import',
  awsRequestId: 'request-1',
  invokedFunctionArn:
    'arn:aws:lambda:eu-west-1:111122223333:function:cmdb-aws-config-change-import',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/**
 * An instance of its own, related to nothing, so that test files sharing the table (and its
 * volume and network CIs) do not meet on one CI.
 */
function instanceItem(overrides: Record<string, unknown> = {}) {
  const resourceId = `i-${crypto.randomUUID().replaceAll('-', '').slice(0, 17)}`;
  return {
    ...ec2InstanceItem(),
    resourceId,
    ARN: `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:instance/${resourceId}`,
    relationships: [],
    ...overrides,
  };
}

const ciIdOf = (item: { resourceType: string; resourceId: string }) =>
  awsResourceCiId({ accountId: ACCOUNT_ID, region: REGION, ...item });

/** The SQS message the rule delivers: AWS Config's EventBridge event as the body. */
function changeRecord(configurationItem: Record<string, unknown>): SQSRecord {
  const messageId = crypto.randomUUID();
  const event = {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': ConfigurationItemChange.detailType,
    source: ConfigurationItemChange.source,
    account: ACCOUNT_ID,
    time: '2025-03-01T10:15:31Z',
    region: REGION,
    resources: [configurationItem.ARN],
    detail: {
      recordVersion: '1.3',
      messageType: 'ConfigurationItemChangeNotification',
      configurationItemDiff: { changedProperties: {}, changeType: 'CREATE' },
      notificationCreationTime: '2025-03-01T10:15:31.000Z',
      configurationItem,
    },
  };
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: JSON.stringify(event),
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:cmdb-aws-config-changes',
    awsRegion: REGION,
  } as SQSRecord;
}

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

describe('the AWS Config change consumer', () => {
  it('imports the valid change, reports the poison one, and writes nothing on redelivery', async () => {
    const valid = instanceItem();
    const poison = instanceItem({ awsAccountId: 'not-an-account' });
    const records = batch(changeRecord(valid), changeRecord(poison));
    const [, poisonRecord] = records.Records as [SQSRecord, SQSRecord];

    const first = await handler(records, lambdaContext);

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: poisonRecord.messageId }]);
    const ci = await getCi(ciIdOf(valid));
    expect(ci).toMatchObject({
      name: 'web-1',
      ciClass: 'server',
      ownerGroup: 'web-team',
      source: 'aws-config',
      version: 1,
    });
    expect((await outboxEventsOf(ciIdOf(valid))).map((event) => event.detailType)).toEqual([
      'CiCreated',
    ]);
    expect(await getCi(ciIdOf(poison))).toBeUndefined();

    const again = await handler(records, lambdaContext);

    expect(again.batchItemFailures).toEqual([{ itemIdentifier: poisonRecord.messageId }]);
    expect((await getCi(ciIdOf(valid)))?.version).toBe(1);
    expect(await outboxEventsOf(ciIdOf(valid))).toHaveLength(1);
  });

  it('retires a deleted resource and keeps what it knew of it', async () => {
    const live = instanceItem();
    await handler(batch(changeRecord(live)), lambdaContext);
    // What AWS Config sends for a deletion: no configuration, tags or relationships left.
    const deleted = {
      ...live,
      configurationItemStatus: 'ResourceDeleted',
      configurationItemCaptureTime: '2025-03-02T08:00:00.000Z',
      configuration: null,
      tags: {},
      relationships: [],
    };

    const response = await handler(batch(changeRecord(deleted)), lambdaContext);

    expect(response.batchItemFailures).toEqual([]);
    expect(await getCi(ciIdOf(live))).toMatchObject({
      lifecycleState: 'retired',
      name: 'web-1',
      ownerGroup: 'web-team',
      environment: 'production',
      criticality: 2,
      attributes: expect.objectContaining({ instanceType: 't3.medium' }),
      capturedAt: '2025-03-02T08:00:00.000Z',
      version: 2,
    });
  });

  it('acknowledges changes of resource types it does not import, writing nothing', async () => {
    const bucket = {
      ...instanceItem(),
      resourceType: 'AWS::S3::Bucket',
      resourceId: `bucket-${crypto.randomUUID()}`,
    };

    const response = await handler(batch(changeRecord(bucket)), lambdaContext);

    expect(response.batchItemFailures).toEqual([]);
    expect(await getCi(ciIdOf(bucket))).toBeUndefined();
  });
});
