/**
 * AWS Config configuration items written after the shapes in the AWS Config developer guide
 * (change notifications, snapshots and the API), one resource each. Functions, so that a test
 * may change its copy.
 */
export const ACCOUNT_ID = '111122223333';
export const REGION = 'eu-west-1';

/** Change-notification form: `ARN`, `awsAccountId`, relationship `name`, tags as a map. */
export function ec2InstanceItem() {
  return {
    relatedEvents: [],
    relationships: [
      {
        resourceId: 'eni-0a1b2c3d4e5f60718',
        resourceName: null,
        resourceType: 'AWS::EC2::NetworkInterface',
        name: 'Contains NetworkInterface',
      },
      {
        resourceId: 'sg-0f1e2d3c4b5a69788',
        resourceName: null,
        resourceType: 'AWS::EC2::SecurityGroup',
        name: 'Is associated with SecurityGroup',
      },
      {
        resourceId: 'subnet-0123456789abcdef0',
        resourceName: null,
        resourceType: 'AWS::EC2::Subnet',
        name: 'Is contained in Subnet',
      },
      {
        resourceId: 'vol-0fedcba9876543210',
        resourceName: null,
        resourceType: 'AWS::EC2::Volume',
        name: 'Is attached to Volume',
      },
      {
        resourceId: 'vpc-0aa11bb22cc33dd44',
        resourceName: null,
        resourceType: 'AWS::EC2::VPC',
        name: 'Is contained in Vpc',
      },
    ],
    configuration: {
      instanceId: 'i-0123456789abcdef0',
      imageId: 'ami-0c55b159cbfafe1f0',
      state: { code: 16, name: 'running' },
      privateDnsName: 'ip-10-0-1-25.eu-west-1.compute.internal',
      publicDnsName: 'ec2-34-240-1-25.eu-west-1.compute.amazonaws.com',
      instanceType: 't3.medium',
      launchTime: '2025-02-10T08:12:44.000Z',
      placement: { availabilityZone: 'eu-west-1a', tenancy: 'default' },
      platform: null,
      platformDetails: 'Linux/UNIX',
      subnetId: 'subnet-0123456789abcdef0',
      vpcId: 'vpc-0aa11bb22cc33dd44',
      privateIpAddress: '10.0.1.25',
      publicIpAddress: '34.240.1.25',
      architecture: 'x86_64',
      rootDeviceType: 'ebs',
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: { volumeId: 'vol-0fedcba9876543210', status: 'attached' },
        },
      ],
      securityGroups: [{ groupName: 'web', groupId: 'sg-0f1e2d3c4b5a69788' }],
    },
    supplementaryConfiguration: {},
    tags: {
      Name: 'web-1',
      'itsm:owner-group': 'web-team',
      Environment: 'prod',
      'itsm:criticality': 'high',
    },
    configurationItemVersion: '1.3',
    configurationItemCaptureTime: '2025-03-01T10:15:30.123Z',
    configurationStateId: 1740824130123,
    awsAccountId: ACCOUNT_ID,
    configurationItemStatus: 'OK',
    resourceType: 'AWS::EC2::Instance',
    resourceId: 'i-0123456789abcdef0',
    resourceName: null,
    ARN: `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:instance/i-0123456789abcdef0`,
    awsRegion: REGION,
    availabilityZone: 'eu-west-1a',
    configurationStateMd5Hash: '',
    resourceCreationTime: '2025-02-10T08:12:44.000Z',
  };
}

/** Snapshot form of the instance's root volume: `arn`, `accountId`, an older relationship name. */
export function ebsVolumeItem() {
  return {
    configurationItemVersion: '1.0',
    resourceId: 'vol-0fedcba9876543210',
    arn: `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:volume/vol-0fedcba9876543210`,
    accountId: ACCOUNT_ID,
    configurationItemCaptureTime: '2025-03-01T10:15:29.001Z',
    configurationStateID: '3e660fdf-4e34-4f32-afeb-0ace5bf3d63a',
    configurationItemStatus: 'OK',
    relatedEvents: [],
    availabilityZone: 'eu-west-1a',
    resourceType: 'AWS::EC2::Volume',
    resourceCreationTime: '2025-02-10T08:12:40.000Z',
    tags: {},
    relationships: [
      {
        resourceId: 'i-0123456789abcdef0',
        resourceType: 'AWS::EC2::Instance',
        name: 'Attached to Instance',
      },
    ],
    configuration: {
      volumeId: 'vol-0fedcba9876543210',
      size: 30,
      snapshotId: '',
      availabilityZone: 'eu-west-1a',
      state: 'in-use',
      encrypted: true,
      attachments: [{ volumeId: 'vol-0fedcba9876543210', instanceId: 'i-0123456789abcdef0' }],
    },
    awsRegion: REGION,
  };
}

/** API form (GetResourceConfigHistory): `relationshipName`, `configuration` as a JSON string. */
export function rdsInstanceItem() {
  return {
    version: '1.3',
    accountId: ACCOUNT_ID,
    configurationItemCaptureTime: '2025-03-02T07:00:00.000+00:00',
    configurationItemStatus: 'ResourceDiscovered',
    configurationStateId: '1740898800000',
    arn: `arn:aws:rds:${REGION}:${ACCOUNT_ID}:db:orders-db`,
    resourceType: 'AWS::RDS::DBInstance',
    resourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXY',
    resourceName: 'orders-db',
    awsRegion: REGION,
    availabilityZone: 'eu-west-1b',
    tags: {},
    relatedEvents: [],
    relationships: [
      {
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: 'sg-0db0db0db0db0db00',
        relationshipName: 'Is associated with SecurityGroup',
      },
      {
        resourceType: 'AWS::RDS::DBSubnetGroup',
        resourceName: 'orders-db-subnets',
        resourceId: 'orders-db-subnets',
        relationshipName: 'Is associated with DBSubnetGroup',
      },
    ],
    configuration: JSON.stringify({
      dBInstanceIdentifier: 'orders-db',
      dBInstanceClass: 'db.t4g.medium',
      engine: 'postgres',
      engineVersion: '16.3',
      dBInstanceStatus: 'available',
      endpoint: {
        address: 'orders-db.c9akciq32.eu-west-1.rds.amazonaws.com',
        port: 5432,
        hostedZoneId: 'Z29XKXDKYMONMX',
      },
      allocatedStorage: 100,
      multiAZ: true,
    }),
    supplementaryConfiguration: {},
  };
}

/** A queue that was deleted: no configuration, no relationships left. */
export function deletedQueueItem() {
  return {
    relatedEvents: [],
    relationships: [],
    configuration: null,
    supplementaryConfiguration: {},
    tags: {},
    configurationItemVersion: '1.3',
    configurationItemCaptureTime: '2025-03-03T12:00:00.000Z',
    configurationStateId: 1741003200000,
    awsAccountId: ACCOUNT_ID,
    configurationItemStatus: 'ResourceDeleted',
    resourceType: 'AWS::SQS::Queue',
    resourceId: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/order-events`,
    resourceName: 'order-events',
    ARN: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:order-events`,
    awsRegion: REGION,
    availabilityZone: 'Not Applicable',
    resourceCreationTime: null,
  };
}

export function lambdaFunctionItem() {
  return {
    configurationItemVersion: '1.3',
    configurationItemCaptureTime: '2025-03-01T09:00:00.000Z',
    configurationItemStatus: 'OK',
    awsAccountId: ACCOUNT_ID,
    awsRegion: REGION,
    resourceType: 'AWS::Lambda::Function',
    resourceId: 'order-handler',
    resourceName: 'order-handler',
    ARN: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:order-handler`,
    availabilityZone: 'Not Applicable',
    tags: { env: 'staging' },
    relationships: [
      {
        resourceType: 'AWS::IAM::Role',
        resourceId: 'AROAEXAMPLEROLEID0001',
        resourceName: 'order-handler-role',
        name: 'Is associated with Role',
      },
    ],
    configuration: { functionName: 'order-handler', runtime: 'nodejs22.x', memorySize: 512 },
  };
}

/** IAM is global: AWS Config files it under the region `global`. */
export function iamRoleItem() {
  return {
    configurationItemVersion: '1.3',
    configurationItemCaptureTime: '2025-03-01T09:00:00.000Z',
    configurationItemStatus: 'OK',
    awsAccountId: ACCOUNT_ID,
    awsRegion: 'global',
    resourceType: 'AWS::IAM::Role',
    resourceId: 'AROAEXAMPLEROLEID0001',
    resourceName: 'order-handler-role',
    ARN: `arn:aws:iam::${ACCOUNT_ID}:role/order-handler-role`,
    availabilityZone: 'Not Applicable',
    tags: {},
    relationships: [],
    configuration: { roleName: 'order-handler-role', path: '/' },
  };
}

export function autoScalingGroupItem() {
  return {
    configurationItemVersion: '1.3',
    configurationItemCaptureTime: '2025-03-01T09:30:00.000Z',
    configurationItemStatus: 'OK',
    awsAccountId: ACCOUNT_ID,
    awsRegion: REGION,
    resourceType: 'AWS::AutoScaling::AutoScalingGroup',
    resourceId: 'web-asg',
    resourceName: 'web-asg',
    ARN: `arn:aws:autoscaling:${REGION}:${ACCOUNT_ID}:autoScalingGroup:5d8e2c1a:autoScalingGroupName/web-asg`,
    tags: [{ key: 'itsm:environment', value: 'production' }],
    relationships: [
      {
        resourceType: 'AWS::EC2::Instance',
        resourceId: 'i-0123456789abcdef0',
        name: 'Contains EC2 instance',
      },
      {
        resourceType: 'AWS::EC2::Instance',
        resourceId: 'i-0aaaaaaaaaaaaaaaa',
        name: 'Contains EC2 instance',
      },
      {
        resourceType: 'AWS::EC2::Subnet',
        resourceId: 'subnet-0123456789abcdef0',
        name: 'Is associated with Subnet',
      },
    ],
    configuration: { autoScalingGroupName: 'web-asg', minSize: 2, maxSize: 6, desiredCapacity: 3 },
  };
}
