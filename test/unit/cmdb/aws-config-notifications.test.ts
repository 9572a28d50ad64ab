import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import {
  configurationItemOfChange,
  type ObjectReader,
  resourceTypeOfChange,
} from '../../../functions/cmdb/aws-config-notifications';
import { importedResourceTypes } from '../../../functions/cmdb/aws-config-settings';
import { fromAwsConfigItem } from '../../../functions/cmdb/domain';
import { ConfigurationError } from '../../../shared/config';
import { ConfigurationItemChange } from '../../../shared/events/aws-config';
import { ACCOUNT_ID, deletedQueueItem, ec2InstanceItem, REGION } from './aws-config-items';

/**
 * Details of AWS Config's "Config Configuration Item Change" events, after the examples in
 * the AWS Config developer guide (change notifications, oversized change notifications).
 */
function inlineChange(configurationItem: Record<string, unknown> = ec2InstanceItem()) {
  return {
    recordVersion: '1.3',
    messageType: 'ConfigurationItemChangeNotification',
    configurationItemDiff: { changedProperties: {}, changeType: 'UPDATE' },
    notificationCreationTime: '2025-03-01T10:15:31.000Z',
    configurationItem,
  };
}

const OVERSIZED_KEY = `AWSLogs/${ACCOUNT_ID}/Config/${REGION}/2025/3/1/OversizedChangeNotification/AWS::EC2::Instance/i-0123456789abcdef0/${ACCOUNT_ID}_Config_${REGION}_ChangeNotification_AWS::EC2::Instance_i-0123456789abcdef0_20250301T101530Z_0.json.gz`;

function oversizedChange() {
  const item = ec2InstanceItem();
  return {
    configurationItemSummary: {
      changeType: 'UPDATE',
      configurationItemVersion: '1.3',
      configurationItemCaptureTime: item.configurationItemCaptureTime,
      configurationStateId: item.configurationStateId,
      awsAccountId: ACCOUNT_ID,
      configurationItemStatus: 'OK',
      resourceType: item.resourceType,
      resourceId: item.resourceId,
      resourceName: null,
      ARN: item.ARN,
      awsRegion: REGION,
      availabilityZone: item.availabilityZone,
      configurationStateMd5Hash: '',
    },
    s3DeliverySummary: {
      s3BucketLocation: `config-bucket-${ACCOUNT_ID}/${OVERSIZED_KEY}`,
      errorCode: null,
      errorMessage: null,
    },
    notificationCreationTime: '2025-03-01T10:15:31.000Z',
    messageType: 'OversizedConfigurationItemChangeNotification',
    recordVersion: '1.0',
  };
}

const parse = (detail: unknown) => ConfigurationItemChange.detail.parse(detail);
const unreachable: ObjectReader = () => {
  throw new Error('no S3 read expected');
};

describe('AWS Config change events', () => {
  it('are the aws.config source with the detail-type AWS Config publishes', () => {
    expect(ConfigurationItemChange).toMatchObject({
      source: 'aws.config',
      detailType: 'Config Configuration Item Change',
    });
  });

  it('carry an inline item, which the CMDB mapping imports as it is', async () => {
    const detail = parse(inlineChange());
    expect(resourceTypeOfChange(detail)).toBe('AWS::EC2::Instance');
    const item = await configurationItemOfChange(detail, unreachable);
    expect(item).toEqual(ec2InstanceItem());
    expect(fromAwsConfigItem(item).ci).toMatchObject({ name: 'web-1', ciClass: 'server' });
  });

  it('carry a deleted resource inline, which the mapping retires', async () => {
    const item = await configurationItemOfChange(
      parse(inlineChange(deletedQueueItem())),
      unreachable,
    );
    expect(fromAwsConfigItem(item).ci.lifecycleState).toBe('retired');
  });

  it('point at the gzipped notification in S3 when oversized, typed by their summary', async () => {
    const detail = parse(oversizedChange());
    const readObject = vi.fn<ObjectReader>(async () =>
      gzipSync(
        JSON.stringify({ ...inlineChange(), messageType: 'ConfigurationItemChangeNotification' }),
      ),
    );

    expect(resourceTypeOfChange(detail)).toBe('AWS::EC2::Instance');
    expect(await configurationItemOfChange(detail, readObject)).toEqual(ec2InstanceItem());
    expect(readObject).toHaveBeenCalledWith({
      bucket: `config-bucket-${ACCOUNT_ID}`,
      key: OVERSIZED_KEY,
    });
  });

  it('read an oversized notification stored without compression too', async () => {
    const plain: ObjectReader = async () => Buffer.from(JSON.stringify(inlineChange()));
    expect(await configurationItemOfChange(parse(oversizedChange()), plain)).toEqual(
      ec2InstanceItem(),
    );
  });

  it('refuse an S3 object that holds no configuration item', async () => {
    const other: ObjectReader = async () => gzipSync(JSON.stringify({ configurationItems: [] }));
    await expect(configurationItemOfChange(parse(oversizedChange()), other)).rejects.toThrow(
      /configurationItem/,
    );
  });

  it.each([
    [
      'a failed oversized delivery',
      { ...oversizedChange(), messageType: 'OversizedConfigurationItemChangeDeliveryFailed' },
    ],
    ['an inline change without its item', { ...inlineChange(), configurationItem: undefined }],
    [
      'an S3 location without a key',
      { ...oversizedChange(), s3DeliverySummary: { s3BucketLocation: 'bucket-only' } },
    ],
  ])('refuse %s', (_name, detail) => {
    expect(ConfigurationItemChange.detail.safeParse(detail).success).toBe(false);
  });
});

describe('the imported resource types setting', () => {
  it('is a JSON array of AWS resource types', () => {
    const env = { AWS_CONFIG_RESOURCE_TYPES: '["AWS::EC2::Instance","AWS::S3::Bucket"]' };
    expect(importedResourceTypes(env)).toEqual(['AWS::EC2::Instance', 'AWS::S3::Bucket']);
  });

  it.each([
    ['missing', {}],
    ['not JSON', { AWS_CONFIG_RESOURCE_TYPES: 'AWS::EC2::Instance' }],
    ['empty', { AWS_CONFIG_RESOURCE_TYPES: '[]' }],
    ['quoting', { AWS_CONFIG_RESOURCE_TYPES: `["AWS::EC2::Instance') OR ('1"]` }],
  ])('fails fast when %s', (_name, env) => {
    expect(() => importedResourceTypes(env)).toThrow(ConfigurationError);
  });
});
