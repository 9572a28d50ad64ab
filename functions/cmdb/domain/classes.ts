import { type FieldIssue, ValidationError } from '../../../shared/errors';
import { issuesFromZod } from '../../../shared/validation';
import * as z from '../../../shared/zod';

/**
 * The CI classes and the free attributes each accepts, as data. Attribute objects are strict:
 * an unknown attribute is refused rather than stored, so typos do not become data. Every class
 * also accepts the cloud identity of the resource (for CIs imported from AWS Config) and tags.
 */
// No transforms: a valid value is stored exactly as given, so validating is idempotent.
const text = (max = 200) =>
  z.string().check(z.maxLength(max), z.regex(/\S/, { error: 'must not be blank' }));
const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'expected an IPv4 or IPv6 address' });
const port = z.int().check(z.minimum(1), z.maximum(65_535));
const positive = z.number().check(z.positive());
const MAX_TAGS = 100;

const tags = z
  .record(z.string().check(z.minLength(1), z.maxLength(128)), z.string().check(z.maxLength(256)))
  .check(z.refine((value) => Object.keys(value).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`));

// Where a cloud resource lives: required for `cloud_resource`, optional for the other classes.
const resourceType = z.string().check(
  z.regex(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/, {
    error: 'expected a resource type like AWS::EC2::Instance',
  }),
);
const region = z
  .string()
  .check(z.regex(/^[a-z0-9-]+$/, { error: 'expected a region like eu-west-1' }));
const accountId = text(64);

const commonAttributes = {
  arn: z.optional(z.string().check(z.startsWith('arn:'), z.maxLength(2048))),
  resourceType: z.optional(resourceType),
  resourceId: z.optional(text(1024)),
  region: z.optional(region),
  accountId: z.optional(accountId),
  availabilityZone: z.optional(text(64)),
  tags: z.optional(tags),
};

function attributesOf<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.strictObject({ ...commonAttributes, ...shape });
}

export const CI_CLASSES = {
  service: {
    label: 'Service',
    kind: 'service',
    attributes: attributesOf({
      serviceType: z.optional(z.enum(['business', 'technical'])),
      serviceLevel: z.optional(text(100)),
      supportHours: z.optional(text(100)),
      url: z.optional(z.httpUrl()),
    }),
  },
  application: {
    label: 'Application',
    kind: 'ci',
    attributes: attributesOf({
      version: z.optional(text(100)),
      vendor: z.optional(text()),
      runtime: z.optional(text(100)),
      url: z.optional(z.httpUrl()),
      repository: z.optional(z.url()),
    }),
  },
  database: {
    label: 'Database',
    kind: 'ci',
    attributes: attributesOf({
      engine: z.optional(text(100)),
      version: z.optional(text(100)),
      endpoint: z.optional(z.hostname()),
      port: z.optional(port),
      instanceClass: z.optional(text(100)),
      storageGb: z.optional(positive),
    }),
  },
  server: {
    label: 'Server',
    kind: 'ci',
    attributes: attributesOf({
      hostname: z.optional(z.hostname()),
      ipAddresses: z.optional(z.array(ipAddress).check(z.maxLength(64))),
      os: z.optional(text(100)),
      osVersion: z.optional(text(100)),
      cpuCount: z.optional(z.int().check(z.positive())),
      memoryGb: z.optional(positive),
      instanceType: z.optional(text(100)),
      virtual: z.optional(z.boolean()),
    }),
  },
  network_device: {
    label: 'Network device',
    kind: 'ci',
    attributes: attributesOf({
      deviceType: z.optional(
        z.enum(['router', 'switch', 'firewall', 'gateway', 'access_point', 'vpn', 'other']),
      ),
      managementIp: z.optional(ipAddress),
      vendor: z.optional(text()),
      model: z.optional(text()),
      firmwareVersion: z.optional(text(100)),
    }),
  },
  network: {
    label: 'Network (VPC, subnet, VLAN)',
    kind: 'ci',
    attributes: attributesOf({
      cidrBlocks: z.optional(z.array(z.union([z.cidrv4(), z.cidrv6()])).check(z.maxLength(64))),
      vlanId: z.optional(z.int().check(z.minimum(1), z.maximum(4094))),
    }),
  },
  cloud_resource: {
    label: 'Cloud resource',
    kind: 'ci',
    attributes: attributesOf({
      resourceType,
      region,
      accountId,
    }),
  },
  container: {
    label: 'Container workload',
    kind: 'ci',
    attributes: attributesOf({
      image: z.optional(text(512)),
      imageDigest: z.optional(z.string().check(z.regex(/^sha256:[a-f0-9]{64}$/))),
      orchestrator: z.optional(z.enum(['kubernetes', 'ecs', 'nomad', 'docker', 'other'])),
      clusterName: z.optional(text()),
      namespace: z.optional(text(100)),
    }),
  },
  storage: {
    label: 'Storage',
    kind: 'ci',
    attributes: attributesOf({
      storageType: z.optional(z.enum(['block', 'file', 'object', 'backup'])),
      capacityGb: z.optional(positive),
      encrypted: z.optional(z.boolean()),
    }),
  },
  load_balancer: {
    label: 'Load balancer',
    kind: 'ci',
    attributes: attributesOf({
      lbType: z.optional(z.enum(['application', 'network', 'classic', 'gateway', 'other'])),
      scheme: z.optional(z.enum(['internal', 'internet-facing'])),
      dnsName: z.optional(z.hostname()),
      listenerPorts: z.optional(z.array(port).check(z.maxLength(64))),
    }),
  },
  queue: {
    label: 'Queue, topic or stream',
    kind: 'ci',
    attributes: attributesOf({
      queueType: z.optional(z.enum(['queue', 'topic', 'stream'])),
      fifo: z.optional(z.boolean()),
      url: z.optional(z.httpUrl()),
    }),
  },
  cluster: {
    label: 'Cluster (redundancy group)',
    kind: 'ci',
    attributes: attributesOf({
      // Up while at least this many members are up; without it no redundancy is assumed.
      minimumUp: z.optional(z.int().check(z.minimum(1))),
    }),
  },
} as const satisfies Record<
  string,
  { label: string; kind: 'ci' | 'service'; attributes: z.ZodMiniType<Record<string, unknown>> }
>;

export type CiClass = keyof typeof CI_CLASSES;
export const CiClasses = Object.keys(CI_CLASSES) as [CiClass, ...CiClass[]];
export const CiClassSchema = z.enum(CiClasses);
/** Impact results distinguish services (what users consume) from the CIs behind them. */
export type CiKind = (typeof CI_CLASSES)[CiClass]['kind'];

export function ciKindOf(ciClass: CiClass): CiKind {
  return CI_CLASSES[ciClass].kind;
}

/** The issues of `attributes` for the class, with field paths `attributes.<name>`. */
export function ciAttributeIssues(ciClass: CiClass, attributes: unknown): FieldIssue[] {
  const result = CI_CLASSES[ciClass].attributes.safeParse(attributes);
  return result.success ? [] : issuesFromZod(result.error, 'attributes');
}

/** Returns the attributes when valid for the class; throws a ValidationError naming each. */
export function validateCiAttributes(
  ciClass: CiClass,
  attributes: unknown,
): Record<string, unknown> {
  const issues = ciAttributeIssues(ciClass, attributes);
  if (issues.length > 0) throw new ValidationError(issues);
  return attributes as Record<string, unknown>;
}
