import * as z from 'zod';
import { type FieldIssue, ValidationError } from '../../../shared/errors';
import { issuesFromZod } from '../../../shared/validation';

/**
 * The CI classes and the free attributes each accepts, as data. Attribute objects are strict:
 * an unknown attribute is refused rather than stored, so typos do not become data. Every class
 * also accepts the cloud identity of the resource (for CIs imported from AWS Config) and tags.
 */
// No transforms: a valid value is stored exactly as given, so validating is idempotent.
const text = (max = 200) => z.string().max(max).regex(/\S/, { error: 'must not be blank' });
const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'expected an IPv4 or IPv6 address' });
const port = z.int().min(1).max(65_535);
const positive = z.number().positive();
const MAX_TAGS = 100;

const tags = z
  .record(z.string().min(1).max(128), z.string().max(256))
  .refine((value) => Object.keys(value).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`);

// Where a cloud resource lives: required for `cloud_resource`, optional for the other classes.
const resourceType = z.string().regex(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/, {
  error: 'expected a resource type like AWS::EC2::Instance',
});
const region = z.string().regex(/^[a-z0-9-]+$/, { error: 'expected a region like eu-west-1' });
const accountId = text(64);

const commonAttributes = {
  arn: z.string().startsWith('arn:').max(2048).optional(),
  resourceType: resourceType.optional(),
  resourceId: text(1024).optional(),
  region: region.optional(),
  accountId: accountId.optional(),
  availabilityZone: text(64).optional(),
  tags: tags.optional(),
};

function attributesOf<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.strictObject({ ...commonAttributes, ...shape });
}

export const CI_CLASSES = {
  service: {
    label: 'Service',
    kind: 'service',
    attributes: attributesOf({
      serviceType: z.enum(['business', 'technical']).optional(),
      serviceLevel: text(100).optional(),
      supportHours: text(100).optional(),
      url: z.httpUrl().optional(),
    }),
  },
  application: {
    label: 'Application',
    kind: 'ci',
    attributes: attributesOf({
      version: text(100).optional(),
      vendor: text().optional(),
      runtime: text(100).optional(),
      url: z.httpUrl().optional(),
      repository: z.url().optional(),
    }),
  },
  database: {
    label: 'Database',
    kind: 'ci',
    attributes: attributesOf({
      engine: text(100).optional(),
      version: text(100).optional(),
      endpoint: z.hostname().optional(),
      port: port.optional(),
      instanceClass: text(100).optional(),
      storageGb: positive.optional(),
    }),
  },
  server: {
    label: 'Server',
    kind: 'ci',
    attributes: attributesOf({
      hostname: z.hostname().optional(),
      ipAddresses: z.array(ipAddress).max(64).optional(),
      os: text(100).optional(),
      osVersion: text(100).optional(),
      cpuCount: z.int().positive().optional(),
      memoryGb: positive.optional(),
      instanceType: text(100).optional(),
      virtual: z.boolean().optional(),
    }),
  },
  network_device: {
    label: 'Network device',
    kind: 'ci',
    attributes: attributesOf({
      deviceType: z
        .enum(['router', 'switch', 'firewall', 'gateway', 'access_point', 'vpn', 'other'])
        .optional(),
      managementIp: ipAddress.optional(),
      vendor: text().optional(),
      model: text().optional(),
      firmwareVersion: text(100).optional(),
    }),
  },
  network: {
    label: 'Network (VPC, subnet, VLAN)',
    kind: 'ci',
    attributes: attributesOf({
      cidrBlocks: z
        .array(z.union([z.cidrv4(), z.cidrv6()]))
        .max(64)
        .optional(),
      vlanId: z.int().min(1).max(4094).optional(),
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
      image: text(512).optional(),
      imageDigest: z
        .string()
        .regex(/^sha256:[a-f0-9]{64}$/)
        .optional(),
      orchestrator: z.enum(['kubernetes', 'ecs', 'nomad', 'docker', 'other']).optional(),
      clusterName: text().optional(),
      namespace: text(100).optional(),
    }),
  },
  storage: {
    label: 'Storage',
    kind: 'ci',
    attributes: attributesOf({
      storageType: z.enum(['block', 'file', 'object', 'backup']).optional(),
      capacityGb: positive.optional(),
      encrypted: z.boolean().optional(),
    }),
  },
  load_balancer: {
    label: 'Load balancer',
    kind: 'ci',
    attributes: attributesOf({
      lbType: z.enum(['application', 'network', 'classic', 'gateway', 'other']).optional(),
      scheme: z.enum(['internal', 'internet-facing']).optional(),
      dnsName: z.hostname().optional(),
      listenerPorts: z.array(port).max(64).optional(),
    }),
  },
  queue: {
    label: 'Queue, topic or stream',
    kind: 'ci',
    attributes: attributesOf({
      queueType: z.enum(['queue', 'topic', 'stream']).optional(),
      fifo: z.boolean().optional(),
      url: z.httpUrl().optional(),
    }),
  },
  cluster: {
    label: 'Cluster (redundancy group)',
    kind: 'ci',
    attributes: attributesOf({
      // Up while at least this many members are up; without it no redundancy is assumed.
      minimumUp: z.int().min(1).optional(),
    }),
  },
} as const satisfies Record<
  string,
  { label: string; kind: 'ci' | 'service'; attributes: z.ZodType<Record<string, unknown>> }
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
