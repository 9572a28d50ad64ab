import { describe, expect, it } from 'vitest';
import {
  CI_CLASSES,
  type CiClass,
  CiClasses,
  ciAttributeIssues,
  ciKindOf,
  validateCiAttributes,
} from '../../../functions/cmdb/domain';
import { validationIssues } from '../incident/fixtures';

/** A full, valid set of class-specific attributes per class. */
const EXAMPLES: Record<CiClass, Record<string, unknown>> = {
  service: {
    serviceType: 'business',
    serviceLevel: 'Gold',
    supportHours: '24x7',
    url: 'https://shop.example.com',
  },
  application: {
    version: '2.4.1',
    vendor: 'In-house',
    runtime: 'nodejs22.x',
    url: 'https://shop.example.com/api',
    repository: 'https://git.example.com/shop/api',
  },
  database: {
    engine: 'postgres',
    version: '16.3',
    endpoint: 'orders.db.example.com',
    port: 5432,
    instanceClass: 'db.r6g.large',
    storageGb: 500,
  },
  server: {
    hostname: 'web-1.example.com',
    ipAddresses: ['10.0.0.1', '2001:db8::1'],
    os: 'Ubuntu',
    osVersion: '24.04',
    cpuCount: 8,
    memoryGb: 31.5,
    instanceType: 'm7g.2xlarge',
    virtual: true,
  },
  network_device: {
    deviceType: 'firewall',
    managementIp: '192.168.0.1',
    vendor: 'Acme Networks',
    model: 'FW-9000',
    firmwareVersion: '9.1.2',
  },
  network: { cidrBlocks: ['10.0.0.0/16', '2001:db8::/32'], vlanId: 120 },
  cloud_resource: {
    arn: 'arn:aws:glue:eu-west-1:111122223333:job/nightly',
    resourceType: 'AWS::Glue::Job',
    resourceId: 'nightly',
    region: 'eu-west-1',
    accountId: '111122223333',
  },
  container: {
    image: 'registry.example.com/shop/api:2.4.1',
    imageDigest: `sha256:${'a'.repeat(64)}`,
    orchestrator: 'kubernetes',
    clusterName: 'prod-eu',
    namespace: 'shop',
  },
  storage: { storageType: 'object', capacityGb: 2048, encrypted: true },
  load_balancer: {
    lbType: 'application',
    scheme: 'internet-facing',
    dnsName: 'shop-123.eu-west-1.elb.amazonaws.com',
    listenerPorts: [80, 443],
  },
  queue: { queueType: 'queue', fifo: true, url: 'https://sqs.eu-west-1.amazonaws.com/1/orders' },
  cluster: { minimumUp: 2 },
};

describe('CI classes', () => {
  it('cover the classes a CMDB needs', () => {
    expect(CiClasses).toEqual(
      expect.arrayContaining([
        'service',
        'application',
        'database',
        'server',
        'network_device',
        'cloud_resource',
        'container',
        'storage',
        'load_balancer',
        'queue',
        'cluster',
      ]),
    );
    expect(Object.keys(EXAMPLES).sort()).toEqual([...CiClasses].sort());
  });

  it('make services the only class of kind service', () => {
    expect(CiClasses.filter((ciClass) => ciKindOf(ciClass) === 'service')).toEqual(['service']);
  });

  it.each(CiClasses)('%s accepts its attributes and returns them unchanged', (ciClass) => {
    const attributes = EXAMPLES[ciClass];
    expect(validateCiAttributes(ciClass, attributes)).toEqual(attributes);
    expect(CI_CLASSES[ciClass].label).not.toBe('');
  });

  it.each(CiClasses)('%s accepts a cloud identity and tags', (ciClass) => {
    const attributes = {
      ...EXAMPLES.cloud_resource,
      availabilityZone: 'eu-west-1a',
      tags: { Name: 'x', 'itsm:owner-group': 'ops' },
    };
    expect(ciAttributeIssues(ciClass, attributes)).toEqual([]);
  });

  it.each(CiClasses.filter((ciClass) => ciClass !== 'cloud_resource'))(
    '%s accepts no attributes at all',
    (ciClass) => {
      expect(ciAttributeIssues(ciClass, {})).toEqual([]);
    },
  );

  it('requires the identity of a cloud resource', () => {
    expect(
      validationIssues(() => validateCiAttributes('cloud_resource', {})).map(
        (issue) => issue.field,
      ),
    ).toEqual(['attributes.resourceType', 'attributes.region', 'attributes.accountId']);
  });
});

describe('validateCiAttributes', () => {
  it('names each invalid attribute with its path', () => {
    const issues = validationIssues(() =>
      validateCiAttributes('server', {
        hostname: 'not a hostname',
        ipAddresses: ['10.0.0.1', '10.0.0.999'],
        cpuCount: 2.5,
        os: '   ',
      }),
    );
    expect(issues).toEqual([
      { field: 'attributes.hostname', message: expect.any(String) },
      { field: 'attributes.ipAddresses.1', message: 'expected an IPv4 or IPv6 address' },
      { field: 'attributes.os', message: 'must not be blank' },
      { field: 'attributes.cpuCount', message: expect.any(String) },
    ]);
  });

  it('refuses an attribute the class does not have', () => {
    expect(
      validationIssues(() => validateCiAttributes('database', { engine: 'mysql', hostname: 'x' })),
    ).toEqual([{ field: 'attributes.hostname', message: expect.any(String) }]);
  });

  it('refuses attributes that are not an object', () => {
    expect(
      validationIssues(() => validateCiAttributes('server', ['a'])).map((i) => i.field),
    ).toEqual(['attributes']);
  });

  it.each<[CiClass, Record<string, unknown>, string]>([
    ['database', { port: 70_000 }, 'attributes.port'],
    ['network', { cidrBlocks: ['10.0.0.0/33'] }, 'attributes.cidrBlocks.0'],
    ['network', { vlanId: 4095 }, 'attributes.vlanId'],
    ['cluster', { minimumUp: 0 }, 'attributes.minimumUp'],
    ['container', { imageDigest: 'latest' }, 'attributes.imageDigest'],
    ['service', { serviceType: 'internal' }, 'attributes.serviceType'],
    ['queue', { url: 'ftp://queue' }, 'attributes.url'],
    [
      'cloud_resource',
      { ...EXAMPLES.cloud_resource, resourceType: 'Glue Job' },
      'attributes.resourceType',
    ],
    ['server', { tags: { Name: 'x'.repeat(257) } }, 'attributes.tags.Name'],
  ])('for %s refuses %j at %s', (ciClass, attributes, field) => {
    expect(
      validationIssues(() => validateCiAttributes(ciClass, attributes)).map((i) => i.field),
    ).toEqual([field]);
  });
});
