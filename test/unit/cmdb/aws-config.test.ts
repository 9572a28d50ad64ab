import { describe, expect, it } from 'vitest';
import {
  ConfigurationItemSchema,
  ciClassOfAwsResourceType,
  ciFingerprint,
  fromAwsConfigItem,
  type ImportedRelationship,
  mappedAwsResourceTypes,
  redundancyGroupsFrom,
  relationshipKey,
  validateRelationship,
} from '../../../functions/cmdb/domain';
import { awsResourceCiId } from '../../../shared/domain/ids';
import { ValidationError } from '../../../shared/errors';
import { validationIssues } from '../incident/fixtures';
import {
  ACCOUNT_ID,
  autoScalingGroupItem,
  deletedQueueItem,
  ebsVolumeItem,
  ec2InstanceItem,
  iamRoleItem,
  lambdaFunctionItem,
  REGION,
  rdsInstanceItem,
} from './aws-config-items';

const idOf = (resourceType: string, resourceId: string, region = REGION) =>
  awsResourceCiId({ accountId: ACCOUNT_ID, region, resourceType, resourceId });

const INSTANCE_ID = idOf('AWS::EC2::Instance', 'i-0123456789abcdef0');
const VOLUME_ID = idOf('AWS::EC2::Volume', 'vol-0fedcba9876543210');

/** Source, type, target with the related resource's ids instead of CI ids, for reading. */
function described(relationships: ImportedRelationship[], self: string) {
  return relationships.map(({ source, type, target, related }) => [
    source === self ? 'self' : related.resourceId,
    type,
    target === self ? 'self' : related.resourceId,
  ]);
}

describe('fromAwsConfigItem: an EC2 instance', () => {
  const imported = fromAwsConfigItem(ec2InstanceItem());

  it('becomes a server named by its Name tag, owned and rated by its itsm tags', () => {
    expect(imported.ci).toMatchObject({
      id: INSTANCE_ID,
      ciClass: 'server',
      name: 'web-1',
      ownerGroup: 'web-team',
      environment: 'production',
      criticality: 2,
      lifecycleState: 'operational',
    });
    expect(imported.defaultedFields).toEqual([]);
    expect(imported.warnings).toEqual([]);
    expect(imported.capturedAt).toBe('2025-03-01T10:15:30.123Z');
  });

  it('keeps its cloud identity, tags and what the configuration says about the host', () => {
    expect(imported.ci.attributes).toEqual({
      arn: `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:instance/i-0123456789abcdef0`,
      resourceType: 'AWS::EC2::Instance',
      resourceId: 'i-0123456789abcdef0',
      region: REGION,
      accountId: ACCOUNT_ID,
      availabilityZone: 'eu-west-1a',
      tags: ec2InstanceItem().tags,
      hostname: 'ip-10-0-1-25.eu-west-1.compute.internal',
      ipAddresses: ['10.0.1.25', '34.240.1.25'],
      instanceType: 't3.medium',
      os: 'Linux/UNIX',
    });
  });

  it('is a valid CI', () => {
    expect(ConfigurationItemSchema.safeParse(imported.ci).success).toBe(true);
  });

  it('maps each AWS Config relationship to a reference pair, stored in forward form', () => {
    expect(described(imported.relationships, INSTANCE_ID).sort()).toEqual(
      [
        ['self', 'contains', 'eni-0a1b2c3d4e5f60718'],
        ['self', 'connects_to', 'sg-0f1e2d3c4b5a69788'],
        ['subnet-0123456789abcdef0', 'contains', 'self'],
        ['self', 'depends_on', 'vol-0fedcba9876543210'],
        ['vpc-0aa11bb22cc33dd44', 'contains', 'self'],
      ].sort(),
    );
  });

  it('names related resources by the id their own documents give them', () => {
    const subnet = imported.relationships.find(
      (relationship) => relationship.related.resourceType === 'AWS::EC2::Subnet',
    );
    expect(subnet?.source).toBe(idOf('AWS::EC2::Subnet', 'subnet-0123456789abcdef0'));
    expect(subnet?.related).toEqual({
      ciId: idOf('AWS::EC2::Subnet', 'subnet-0123456789abcdef0'),
      ciClass: 'network',
      resourceType: 'AWS::EC2::Subnet',
      resourceId: 'subnet-0123456789abcdef0',
    });
  });

  it('gives relationships that pass the rules people are held to', () => {
    for (const { source, type, target, related } of imported.relationships) {
      const self = { id: INSTANCE_ID, ciClass: imported.ci.ciClass, lifecycleState: 'operational' };
      const other = { id: related.ciId, ciClass: related.ciClass, lifecycleState: 'operational' };
      const [sourceEnd, targetEnd] = source === INSTANCE_ID ? [self, other] : [other, self];
      expect(() =>
        validateRelationship({ ...sourceEnd, id: source, lifecycleState: 'operational' }, type, {
          ...targetEnd,
          id: target,
          lifecycleState: 'operational',
        }),
      ).not.toThrow();
    }
  });
});

describe('fromAwsConfigItem: idempotence', () => {
  it('gives the same output and fingerprint for the same document', () => {
    const first = fromAwsConfigItem(ec2InstanceItem());
    const second = fromAwsConfigItem(ec2InstanceItem());
    expect(second).toEqual(first);
    expect(ciFingerprint(second.ci)).toBe(ciFingerprint(first.ci));
  });

  it('does not depend on the order of relationships or tags in the document', () => {
    const reordered = ec2InstanceItem();
    reordered.relationships.reverse();
    reordered.tags = Object.fromEntries(
      Object.entries(reordered.tags).reverse(),
    ) as typeof reordered.tags;
    const original = fromAwsConfigItem(ec2InstanceItem());
    const imported = fromAwsConfigItem(reordered);
    expect(imported.relationships).toEqual(original.relationships);
    expect(ciFingerprint(imported.ci)).toBe(ciFingerprint(original.ci));
  });

  it('changes the fingerprint when the resource changes, not when only the capture time does', () => {
    const original = fromAwsConfigItem(ec2InstanceItem());
    const recaptured = ec2InstanceItem();
    recaptured.configurationItemCaptureTime = '2025-03-05T00:00:00.000Z';
    expect(ciFingerprint(fromAwsConfigItem(recaptured).ci)).toBe(ciFingerprint(original.ci));
    const resized = ec2InstanceItem();
    resized.configuration.instanceType = 't3.large';
    expect(ciFingerprint(fromAwsConfigItem(resized).ci)).not.toBe(ciFingerprint(original.ci));
  });

  it('deduplicates a relationship listed twice', () => {
    const item = ec2InstanceItem();
    item.relationships.push({ ...(item.relationships[1] as (typeof item.relationships)[number]) });
    expect(fromAwsConfigItem(item).relationships).toHaveLength(5);
  });
});

describe('fromAwsConfigItem: the volume attached to the instance', () => {
  const imported = fromAwsConfigItem(ebsVolumeItem());

  it('is block storage with its size and encryption', () => {
    expect(imported.ci).toMatchObject({ id: VOLUME_ID, ciClass: 'storage' });
    expect(imported.ci.name).toBe('vol-0fedcba9876543210');
    expect(imported.ci.attributes).toMatchObject({
      storageType: 'block',
      capacityGb: 30,
      encrypted: true,
    });
  });

  it('records the same fact as the instance does, from the other side', () => {
    const fromVolume = imported.relationships.map(relationshipKey);
    const fromInstance = fromAwsConfigItem(ec2InstanceItem()).relationships.map(relationshipKey);
    expect(fromVolume).toEqual([
      relationshipKey({ source: INSTANCE_ID, type: 'depends_on', target: VOLUME_ID }),
    ]);
    expect(fromInstance).toContain(fromVolume[0]);
  });
});

describe('fromAwsConfigItem: an RDS instance in the API form', () => {
  const imported = fromAwsConfigItem(rdsInstanceItem());

  it('becomes a database with engine, version, endpoint and size from the configuration', () => {
    expect(imported.ci).toMatchObject({
      ciClass: 'database',
      name: 'orders-db',
      lifecycleState: 'operational',
    });
    expect(imported.ci.attributes).toMatchObject({
      arn: `arn:aws:rds:${REGION}:${ACCOUNT_ID}:db:orders-db`,
      accountId: ACCOUNT_ID,
      engine: 'postgres',
      version: '16.3',
      endpoint: 'orders-db.c9akciq32.eu-west-1.rds.amazonaws.com',
      port: 5432,
      instanceClass: 'db.t4g.medium',
      storageGb: 100,
    });
    expect(imported.ci.attributes).not.toHaveProperty('tags');
  });

  it('normalizes the capture time to UTC with milliseconds', () => {
    expect(imported.capturedAt).toBe('2025-03-02T07:00:00.000Z');
  });

  it('without tags, takes the defaults and says which fields they are', () => {
    expect(imported.ci).toMatchObject({ environment: 'production', criticality: 3 });
    expect(imported.ci).not.toHaveProperty('ownerGroup');
    expect(imported.defaultedFields).toEqual(['ownerGroup', 'environment', 'criticality']);
    const withDefaults = fromAwsConfigItem(rdsInstanceItem(), {
      defaults: { environment: 'test', criticality: 4 },
    });
    expect(withDefaults.ci).toMatchObject({ environment: 'test', criticality: 4 });
  });

  it('connects the database to its security group and subnet group', () => {
    expect(
      imported.relationships.map(({ type, related }) => [type, related.resourceType]).sort(),
    ).toEqual([
      ['connects_to', 'AWS::EC2::SecurityGroup'],
      ['connects_to', 'AWS::RDS::DBSubnetGroup'],
    ]);
    const subnetGroup = imported.relationships.find(
      (relationship) => relationship.related.resourceType === 'AWS::RDS::DBSubnetGroup',
    );
    expect(subnetGroup?.related).toMatchObject({
      ciClass: 'cloud_resource',
      resourceName: 'orders-db-subnets',
    });
  });
});

describe('fromAwsConfigItem: a deleted resource', () => {
  const imported = fromAwsConfigItem(deletedQueueItem());

  it('is retired, keeps its class and identity, and has no relationships', () => {
    expect(imported.ci).toMatchObject({
      ciClass: 'queue',
      name: 'order-events',
      lifecycleState: 'retired',
    });
    expect(imported.ci.attributes).toEqual({
      arn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:order-events`,
      resourceType: 'AWS::SQS::Queue',
      resourceId: deletedQueueItem().resourceId,
      region: REGION,
      accountId: ACCOUNT_ID,
      queueType: 'queue',
    });
    expect(imported.relationships).toEqual([]);
  });

  it('keeps the id it had while it existed', () => {
    const live = { ...deletedQueueItem(), configurationItemStatus: 'OK' };
    expect(fromAwsConfigItem(live).ci.id).toBe(imported.ci.id);
    expect(fromAwsConfigItem(live).ci.lifecycleState).toBe('operational');
  });

  it.each([
    ['ResourceDeletedNotRecorded', 'retired'],
    ['ResourceNotRecorded', 'operational'],
    ['ResourceDiscovered', 'operational'],
  ])('status %s gives lifecycle %s', (status, lifecycleState) => {
    const item = { ...deletedQueueItem(), configurationItemStatus: status };
    expect(fromAwsConfigItem(item).ci.lifecycleState).toBe(lifecycleState);
  });
});

describe('fromAwsConfigItem: global and grouped resources', () => {
  it('relates a function to its IAM role under the id of the role document (region global)', () => {
    const lambda = fromAwsConfigItem(lambdaFunctionItem());
    const role = fromAwsConfigItem(iamRoleItem());
    expect(lambda.ci).toMatchObject({ ciClass: 'application', environment: 'staging' });
    expect(lambda.ci.attributes).toMatchObject({ runtime: 'nodejs22.x' });
    expect(lambda.relationships).toEqual([
      expect.objectContaining({ source: lambda.ci.id, type: 'connects_to', target: role.ci.id }),
    ]);
  });

  it('makes an auto scaling group a redundancy group of its instances', () => {
    const group = fromAwsConfigItem(autoScalingGroupItem());
    expect(group.ci).toMatchObject({ ciClass: 'cluster', environment: 'production' });
    expect(group.ci.attributes).toMatchObject({
      minimumUp: 2,
      tags: { 'itsm:environment': 'production' },
    });
    const members = group.relationships.filter((relationship) => relationship.type === 'member_of');
    expect(members.map((relationship) => relationship.source).sort()).toEqual(
      [INSTANCE_ID, idOf('AWS::EC2::Instance', 'i-0aaaaaaaaaaaaaaaa')].sort(),
    );
    expect(members.every((relationship) => relationship.target === group.ci.id)).toBe(true);
    expect(redundancyGroupsFrom([group.ci], group.relationships)).toEqual([
      {
        id: group.ci.id,
        minimumUp: 2,
        members: expect.arrayContaining(members.map((m) => m.source)),
      },
    ]);
  });

  it('maps resource types to classes, anything unknown to cloud_resource', () => {
    expect(ciClassOfAwsResourceType('AWS::EC2::INSTANCE')).toBe('server');
    expect(ciClassOfAwsResourceType('AWS::ElasticLoadBalancingV2::LoadBalancer')).toBe(
      'load_balancer',
    );
    expect(ciClassOfAwsResourceType('AWS::EC2::VPC')).toBe('network');
    expect(ciClassOfAwsResourceType('AWS::Glue::Job')).toBe('cloud_resource');
  });

  it('lists the mapped resource types as AWS Config spells them, for its rules and queries', () => {
    const types = mappedAwsResourceTypes();
    expect(types).toContain('AWS::EC2::Instance');
    expect(types).toContain('AWS::ElasticLoadBalancingV2::LoadBalancer');
    for (const type of types) {
      expect(type).toMatch(/^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/);
      expect(ciClassOfAwsResourceType(type), type).not.toBe('cloud_resource');
    }
  });

  it('gives an id that ignores the case of the resource type but not the account or region', () => {
    const key = {
      accountId: ACCOUNT_ID,
      region: REGION,
      resourceType: 'AWS::EC2::Volume',
      resourceId: 'vol-1',
    };
    expect(awsResourceCiId({ ...key, resourceType: 'AWS::EC2::VOLUME' })).toBe(
      awsResourceCiId(key),
    );
    expect(awsResourceCiId({ ...key, region: 'eu-west-2' })).not.toBe(awsResourceCiId(key));
    expect(awsResourceCiId({ ...key, accountId: '444455556666' })).not.toBe(awsResourceCiId(key));
    expect(awsResourceCiId(key)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/);
  });
});

describe('fromAwsConfigItem: tags', () => {
  const withTags = (tags: Record<string, string>) =>
    fromAwsConfigItem({ ...rdsInstanceItem(), tags });

  it.each([
    ['prod', 'production'],
    ['Production', 'production'],
    ['stg', 'staging'],
    ['UAT', 'staging'],
    ['qa', 'test'],
    ['dev', 'development'],
  ])('reads Environment=%s as %s', (value, environment) => {
    expect(withTags({ Environment: value }).ci.environment).toBe(environment);
  });

  it('prefers the itsm: tag to the conventional one', () => {
    const imported = withTags({ Environment: 'dev', 'itsm:environment': 'test' });
    expect(imported.ci.environment).toBe('test');
  });

  it.each([
    ['1', 1],
    ['Critical', 1],
    ['low', 4],
  ])('reads criticality %s as %s', (value, criticality) => {
    expect(withTags({ 'itsm:criticality': value }).ci.criticality).toBe(criticality);
  });

  it('warns about a value it does not understand and uses the default', () => {
    const imported = withTags({ Environment: 'blue', 'itsm:criticality': 'urgent' });
    expect(imported.ci).toMatchObject({ environment: 'production', criticality: 3 });
    expect(imported.defaultedFields).toEqual(['ownerGroup', 'environment', 'criticality']);
    expect(imported.warnings).toEqual([
      "environment tag 'blue' is not understood; used production",
      "criticality tag 'urgent' is not understood; used 3",
    ]);
  });
});

describe('fromAwsConfigItem: invalid documents', () => {
  it('names each invalid field', () => {
    const { resourceType: _resourceType, ...withoutType } = ec2InstanceItem();
    const issues = validationIssues(() =>
      fromAwsConfigItem({
        ...withoutType,
        configurationItemStatus: 'Gone',
        awsAccountId: undefined,
        configurationItemCaptureTime: 'yesterday',
      }),
    );
    expect(issues.map((issue) => issue.field).sort()).toEqual([
      'awsAccountId',
      'configurationItemCaptureTime',
      'configurationItemStatus',
      'resourceType',
    ]);
  });

  it('requires a name on each relationship', () => {
    const item = ec2InstanceItem();
    const { name: _name, ...nameless } = item.relationships[0] as (typeof item.relationships)[0];
    const issues = validationIssues(() =>
      fromAwsConfigItem({ ...item, relationships: [nameless] }),
    );
    expect(issues.map((issue) => issue.field)).toEqual(['relationships.0.relationshipName']);
  });

  it('refuses a configuration string that is not JSON', () => {
    const issues = validationIssues(() =>
      fromAwsConfigItem({ ...rdsInstanceItem(), configuration: '{not json' }),
    );
    expect(issues.map((issue) => issue.field)).toEqual(['configuration']);
  });

  it('refuses what is not a configuration item at all', () => {
    expect(() => fromAwsConfigItem('i-0123')).toThrow(ValidationError);
  });

  it('drops an attribute it cannot store, with a warning, rather than the resource', () => {
    const item = ec2InstanceItem();
    item.configuration.privateIpAddress = 'not-an-address';
    const imported = fromAwsConfigItem(item);
    expect(imported.ci.attributes).not.toHaveProperty('ipAddresses');
    expect(imported.ci.attributes).toHaveProperty('hostname');
    expect(imported.warnings).toEqual([
      'attributes.ipAddresses.0 not imported: expected an IPv4 or IPv6 address',
    ]);
  });

  it('skips, with a warning, a relationship that names no resource id', () => {
    const item = lambdaFunctionItem();
    const role = item.relationships[0] as (typeof item.relationships)[0];
    const imported = fromAwsConfigItem({
      ...item,
      relationships: [{ ...role, resourceId: null }],
    });
    expect(imported.relationships).toEqual([]);
    expect(imported.warnings).toEqual([
      "relationship 'Is associated with Role' to AWS::IAM::Role order-handler-role has no resourceId; skipped",
    ]);
  });
});
