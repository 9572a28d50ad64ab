import { awsResourceCiId } from '../../../shared/domain/ids';
import { ValidationError } from '../../../shared/errors';
import { issuesFromZod } from '../../../shared/validation';
import * as z from '../../../shared/zod';
import { type CiClass, ciAttributeIssues } from './classes';
import type { ConfigurationItem, Criticality, Environment, LifecycleState } from './model';
import {
  type CanonicalRelationship,
  canonicalRelationship,
  type RelationshipType,
  relationshipKey,
} from './relationships';

/**
 * Maps an AWS Config configuration item (the JSON AWS Config emits in change notifications,
 * snapshots and history files, or returns from its API) to a CI and its relationships.
 *
 * - Both spellings AWS Config uses are accepted: `ARN`/`arn`, `awsAccountId`/`accountId`,
 *   and `relationshipName`/`name` on relationships; `configuration` may be an object or the
 *   JSON string the API returns. Unwrapping an SNS or EventBridge envelope is the caller's.
 * - The CI id is a UUID (v5) of account, region, resource type and resource id, not of the
 *   ARN: relationships name the related resource by type and id only, so that is the key both
 *   ends can compute. Related resources are taken to be in the document's account and region,
 *   except global types (IAM, CloudFront, Route 53, ...), which AWS Config files under `global`.
 * - The same document always gives the same output (relationships deduplicated and sorted), so
 *   re-importing changes nothing; `ciFingerprint` lets the repository skip the write.
 *   `capturedAt` lets it ignore a document older than the one it holds.
 * - Fields the document does not determine (no tag for them) are listed in `defaultedFields`:
 *   a repository should keep a value a person set rather than overwrite it with the default.
 * - Lifecycle follows the status (deleted resources are retired), whatever the transition
 *   rules for people's edits say: the import reports what AWS observed.
 * - `supplementaryConfiguration` is not read.
 */
export const AwsConfigItemStatuses = [
  'OK',
  'ResourceDiscovered',
  'ResourceNotRecorded',
  'ResourceDeleted',
  'ResourceDeletedNotRecorded',
] as const;
export type AwsConfigItemStatus = (typeof AwsConfigItemStatuses)[number];

const LIFECYCLE_BY_STATUS: Readonly<Record<AwsConfigItemStatus, LifecycleState>> = {
  OK: 'operational',
  ResourceDiscovered: 'operational',
  // The type stopped being recorded; the resource itself still exists.
  ResourceNotRecorded: 'operational',
  ResourceDeleted: 'retired',
  ResourceDeletedNotRecorded: 'retired',
};

const resourceTypeSchema = z.string().check(
  z.regex(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/, {
    error: 'expected a resource type like AWS::EC2::Instance',
  }),
);
const accountIdSchema = z
  .string()
  .check(z.regex(/^\d{12}$/, { error: 'expected a 12-digit account id' }));
const arnSchema = z.string().check(z.startsWith('arn:', { error: "expected an ARN ('arn:...')" }));

const AwsConfigRelationshipSchema = z.looseObject({
  resourceType: resourceTypeSchema,
  resourceId: z.nullish(z.string().check(z.minLength(1))),
  resourceName: z.nullish(z.string()),
  relationshipName: z.string().check(z.minLength(1)),
});

const AwsConfigItemShape = z.looseObject({
  configurationItemCaptureTime: z.iso.datetime({ offset: true }),
  configurationItemStatus: z.enum(AwsConfigItemStatuses),
  resourceType: resourceTypeSchema,
  resourceId: z.string().check(z.minLength(1)),
  resourceName: z.nullish(z.string()),
  ARN: z.nullish(arnSchema),
  awsRegion: z
    .string()
    .check(z.regex(/^[a-z0-9-]+$/, { error: 'expected a region like eu-west-1' })),
  awsAccountId: accountIdSchema,
  availabilityZone: z.nullish(z.string()),
  tags: z.nullish(
    z.union([
      z.record(z.string(), z.string()),
      z.array(z.object({ key: z.string(), value: z.string() })),
    ]),
  ),
  relationships: z.nullish(z.array(AwsConfigRelationshipSchema)),
  configuration: z.nullish(z.union([z.record(z.string(), z.unknown()), z.string()])),
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One spelling for what AWS Config spells two ways: `ARN`, `awsAccountId`, `relationshipName`. */
function withNotificationSpelling(document: unknown): unknown {
  if (!isRecord(document)) return document;
  const { arn, accountId, relationships, ...rest } = document;
  return {
    ...rest,
    ARN: rest.ARN ?? arn,
    awsAccountId: rest.awsAccountId ?? accountId,
    relationships: Array.isArray(relationships)
      ? relationships.map((relationship: unknown) => {
          if (!isRecord(relationship)) return relationship;
          const { name, ...named } = relationship;
          return { ...named, relationshipName: named.relationshipName ?? name };
        })
      : relationships,
  };
}

export const AwsConfigItemSchema = z.pipe(
  z.transform(withNotificationSpelling),
  AwsConfigItemShape,
);
export type AwsConfigItem = z.infer<typeof AwsConfigItemShape>;

type Configuration = Record<string, unknown>;
type AttributeExtractor = (configuration: Configuration) => Record<string, unknown>;

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function objectOf(value: unknown): Configuration {
  return isRecord(value) ? value : {};
}

function definedOnly(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined));
}

const cidrBlocksOf: AttributeExtractor = (configuration) => {
  const cidr = textOf(configuration.cidrBlock);
  return { cidrBlocks: cidr ? [cidr] : undefined };
};

interface ResourceTypeMapping {
  ciClass: CiClass;
  attributes?: Record<string, unknown>;
  extract?: AttributeExtractor;
}

/**
 * The class for each resource type AWS Config records, with attributes fixed by the type and
 * those read from `configuration`. Other types become `cloud_resource`.
 */
const RESOURCE_TYPES: Readonly<Record<string, ResourceTypeMapping>> = {
  'AWS::EC2::Instance': {
    ciClass: 'server',
    extract: (configuration) => {
      const ipAddresses = [configuration.privateIpAddress, configuration.publicIpAddress]
        .map(textOf)
        .filter((address) => address !== undefined);
      return {
        hostname: textOf(configuration.privateDnsName),
        ipAddresses: ipAddresses.length > 0 ? [...new Set(ipAddresses)] : undefined,
        instanceType: textOf(configuration.instanceType),
        os: textOf(configuration.platformDetails) ?? textOf(configuration.platform),
      };
    },
  },
  'AWS::EC2::Volume': {
    ciClass: 'storage',
    attributes: { storageType: 'block' },
    extract: (configuration) => ({
      capacityGb: numberOf(configuration.size),
      encrypted: typeof configuration.encrypted === 'boolean' ? configuration.encrypted : undefined,
    }),
  },
  'AWS::EFS::FileSystem': { ciClass: 'storage', attributes: { storageType: 'file' } },
  'AWS::S3::Bucket': { ciClass: 'storage', attributes: { storageType: 'object' } },
  'AWS::RDS::DBInstance': {
    ciClass: 'database',
    extract: (configuration) => {
      const endpoint = objectOf(configuration.endpoint);
      return {
        engine: textOf(configuration.engine),
        version: textOf(configuration.engineVersion),
        endpoint: textOf(endpoint.address),
        port: numberOf(endpoint.port),
        instanceClass: textOf(configuration.dBInstanceClass),
        storageGb: numberOf(configuration.allocatedStorage),
      };
    },
  },
  'AWS::RDS::DBCluster': {
    ciClass: 'database',
    extract: (configuration) => ({
      engine: textOf(configuration.engine),
      version: textOf(configuration.engineVersion),
      endpoint: textOf(configuration.endpoint),
      port: numberOf(configuration.port),
    }),
  },
  'AWS::DynamoDB::Table': { ciClass: 'database', attributes: { engine: 'dynamodb' } },
  'AWS::ElastiCache::CacheCluster': {
    ciClass: 'database',
    extract: (configuration) => ({
      engine: textOf(configuration.engine),
      version: textOf(configuration.engineVersion),
    }),
  },
  'AWS::Lambda::Function': {
    ciClass: 'application',
    extract: (configuration) => ({ runtime: textOf(configuration.runtime) }),
  },
  'AWS::ECS::Service': { ciClass: 'container', attributes: { orchestrator: 'ecs' } },
  'AWS::ElasticLoadBalancing::LoadBalancer': {
    ciClass: 'load_balancer',
    attributes: { lbType: 'classic' },
    extract: (configuration) => ({
      dnsName: textOf(configuration.dnsname) ?? textOf(configuration.dNSName),
      scheme: textOf(configuration.scheme),
    }),
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    ciClass: 'load_balancer',
    extract: (configuration) => ({
      dnsName: textOf(configuration.dNSName),
      scheme: textOf(configuration.scheme),
      lbType: textOf(configuration.type),
    }),
  },
  'AWS::SQS::Queue': { ciClass: 'queue', attributes: { queueType: 'queue' } },
  'AWS::SNS::Topic': { ciClass: 'queue', attributes: { queueType: 'topic' } },
  'AWS::Kinesis::Stream': { ciClass: 'queue', attributes: { queueType: 'stream' } },
  'AWS::EC2::VPC': { ciClass: 'network', extract: cidrBlocksOf },
  'AWS::EC2::Subnet': { ciClass: 'network', extract: cidrBlocksOf },
  'AWS::EC2::NatGateway': { ciClass: 'network_device', attributes: { deviceType: 'gateway' } },
  'AWS::EC2::InternetGateway': {
    ciClass: 'network_device',
    attributes: { deviceType: 'gateway' },
  },
  'AWS::EC2::TransitGateway': { ciClass: 'network_device', attributes: { deviceType: 'router' } },
  'AWS::EC2::VPNGateway': { ciClass: 'network_device', attributes: { deviceType: 'vpn' } },
  'AWS::EC2::CustomerGateway': { ciClass: 'network_device', attributes: { deviceType: 'vpn' } },
  'AWS::AutoScaling::AutoScalingGroup': {
    ciClass: 'cluster',
    // Up while at least its minimum size is in service; a minimum of 0 still needs one.
    extract: (configuration) => {
      const minSize = numberOf(configuration.minSize);
      return { minimumUp: minSize === undefined ? undefined : Math.max(1, minSize) };
    },
  },
};

/** The resource types that get a class of their own, spelled as AWS Config spells them. */
export function mappedAwsResourceTypes(): string[] {
  return Object.keys(RESOURCE_TYPES);
}

function mappingOf(resourceType: string): ResourceTypeMapping | undefined {
  // Compared lower-cased: old documents spell types in capitals.
  const wanted = resourceType.toLowerCase();
  return Object.entries(RESOURCE_TYPES).find(([type]) => type.toLowerCase() === wanted)?.[1];
}

export function ciClassOfAwsResourceType(resourceType: string): CiClass {
  return mappingOf(resourceType)?.ciClass ?? 'cloud_resource';
}

/**
 * AWS Config relationship names ("Is attached to Volume", "Is contained in Vpc", "Contains
 * NetworkInterface", "Is associated with SecurityGroup"; older documents "Attached Volume")
 * to the type read from the document's resource to the related one. Rules are tried in order;
 * names no rule matches connect the two resources.
 */
const RELATIONSHIP_NAME_RULES: readonly {
  pattern: RegExp;
  typeFor: (subject: CiClass, related: CiClass) => RelationshipType;
}[] = [
  // A subnet or VPC failing takes its contents down; an auto scaling group is a redundancy group.
  {
    pattern: /^is contained in\b/i,
    typeFor: (_subject, related) => (related === 'cluster' ? 'member_of' : 'contained_by'),
  },
  {
    pattern: /^contains\b/i,
    typeFor: (subject) => (subject === 'cluster' ? 'members' : 'contains'),
  },
  // An instance needs its attached volume; other attachments (addresses, interfaces) connect.
  {
    pattern: /^(is )?attached\b/i,
    typeFor: (subject, related) => {
      if (related === 'storage' && subject !== 'storage') return 'depends_on';
      if (subject === 'storage' && related !== 'storage') return 'used_by';
      return 'connects_to';
    },
  },
  // Security groups, roles, subnet groups: the resource works through them.
  { pattern: /^is associated with\b/i, typeFor: () => 'connects_to' },
];

export interface AwsResourceRef {
  ciId: string;
  ciClass: CiClass;
  resourceType: string;
  resourceId: string;
  resourceName?: string;
}

/** In forward form; `related` is the other resource, to create it if it is not known yet. */
export type ImportedRelationship = CanonicalRelationship & { related: AwsResourceRef };

export type DefaultableField = 'ownerGroup' | 'environment' | 'criticality';

export interface AwsConfigImportOptions {
  /** Used when no tag says otherwise; production and medium (3) unless given. */
  defaults?: { environment?: Environment; criticality?: Criticality };
}

export interface AwsConfigImport {
  ci: ConfigurationItem;
  relationships: ImportedRelationship[];
  /** `configurationItemCaptureTime` as ISO-8601 UTC with milliseconds. */
  capturedAt: string;
  defaultedFields: DefaultableField[];
  /** What could not be used, e.g. an unknown environment tag value or an invalid attribute. */
  warnings: string[];
}

/** Tags read case-insensitively, `itsm:` tags first. */
const TAG_KEYS: Readonly<Record<DefaultableField, readonly string[]>> = {
  ownerGroup: ['itsm:owner-group'],
  environment: ['itsm:environment', 'environment', 'env'],
  criticality: ['itsm:criticality', 'criticality'],
};

const ENVIRONMENT_SYNONYMS: Readonly<Record<string, Environment>> = {
  production: 'production',
  prod: 'production',
  prd: 'production',
  live: 'production',
  staging: 'staging',
  stage: 'staging',
  stg: 'staging',
  preprod: 'staging',
  'pre-prod': 'staging',
  uat: 'staging',
  test: 'test',
  testing: 'test',
  qa: 'test',
  development: 'development',
  dev: 'development',
  sandbox: 'development',
};

const CRITICALITY_SYNONYMS: Readonly<Record<string, Criticality>> = {
  '1': 1,
  critical: 1,
  '2': 2,
  high: 2,
  '3': 3,
  medium: 3,
  '4': 4,
  low: 4,
};

const DEFAULT_ENVIRONMENT: Environment = 'production';
const DEFAULT_CRITICALITY: Criticality = 3;
const MAX_NAME_LENGTH = 255;
const MAX_OWNER_GROUP_LENGTH = 100;

function tagsOf(item: AwsConfigItem): Record<string, string> {
  const { tags } = item;
  if (!tags) return {};
  return Array.isArray(tags)
    ? Object.fromEntries(tags.map(({ key, value }) => [key, value]))
    : tags;
}

function tagValue(tags: Record<string, string>, field: DefaultableField): string | undefined {
  for (const wanted of TAG_KEYS[field]) {
    const key = Object.keys(tags).find((candidate) => candidate.toLowerCase() === wanted);
    const value = key === undefined ? undefined : tags[key]?.trim();
    if (value) return value;
  }
  return undefined;
}

function configurationOf(item: AwsConfigItem): Configuration {
  if (typeof item.configuration !== 'string') return item.configuration ?? {};
  try {
    return objectOf(JSON.parse(item.configuration));
  } catch {
    throw new ValidationError([
      { field: 'configuration', message: 'expected a JSON object or a string holding one' },
    ]);
  }
}

/** Drops each attribute the class refuses (with a warning) rather than refusing the resource. */
function validAttributes(
  ciClass: CiClass,
  attributes: Record<string, unknown>,
  warnings: string[],
): Record<string, unknown> {
  const issues = ciAttributeIssues(ciClass, attributes);
  const refused = new Set(issues.map((issue) => issue.field.split('.')[1] ?? ''));
  for (const issue of issues) warnings.push(`${issue.field} not imported: ${issue.message}`);
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => !refused.has(name)));
}

/** Throws a ValidationError naming each invalid field of the document. */
export function fromAwsConfigItem(
  document: unknown,
  options: AwsConfigImportOptions = {},
): AwsConfigImport {
  const parsed = AwsConfigItemSchema.safeParse(document);
  if (!parsed.success) throw new ValidationError(issuesFromZod(parsed.error));
  const item = parsed.data;
  const configuration = configurationOf(item);
  const accountId = item.awsAccountId;
  const region = item.awsRegion;
  const ciClass = ciClassOfAwsResourceType(item.resourceType);
  const typeMapping = mappingOf(item.resourceType);
  const tags = tagsOf(item);
  const warnings: string[] = [];
  const defaultedFields: DefaultableField[] = [];

  const ownerGroup = tagValue(tags, 'ownerGroup')?.slice(0, MAX_OWNER_GROUP_LENGTH);
  if (ownerGroup === undefined) defaultedFields.push('ownerGroup');

  let environment = options.defaults?.environment ?? DEFAULT_ENVIRONMENT;
  const environmentTag = tagValue(tags, 'environment');
  const taggedEnvironment =
    environmentTag === undefined ? undefined : ENVIRONMENT_SYNONYMS[environmentTag.toLowerCase()];
  if (taggedEnvironment) environment = taggedEnvironment;
  else defaultedFields.push('environment');
  if (environmentTag !== undefined && !taggedEnvironment) {
    warnings.push(`environment tag '${environmentTag}' is not understood; used ${environment}`);
  }

  let criticality = options.defaults?.criticality ?? DEFAULT_CRITICALITY;
  const criticalityTag = tagValue(tags, 'criticality');
  const taggedCriticality =
    criticalityTag === undefined ? undefined : CRITICALITY_SYNONYMS[criticalityTag.toLowerCase()];
  if (taggedCriticality) criticality = taggedCriticality;
  else defaultedFields.push('criticality');
  if (criticalityTag !== undefined && !taggedCriticality) {
    warnings.push(`criticality tag '${criticalityTag}' is not understood; used ${criticality}`);
  }

  const availabilityZone = textOf(item.availabilityZone);
  const attributes = validAttributes(
    ciClass,
    definedOnly({
      arn: item.ARN ?? undefined,
      resourceType: item.resourceType,
      resourceId: item.resourceId,
      region,
      accountId,
      availabilityZone: availabilityZone === 'Not Applicable' ? undefined : availabilityZone,
      tags: Object.keys(tags).length > 0 ? tags : undefined,
      ...typeMapping?.attributes,
      ...typeMapping?.extract?.(configuration),
    }),
    warnings,
  );

  const id = awsResourceCiId({
    accountId,
    region,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
  });
  const name = (textOf(tags.Name) ?? textOf(item.resourceName) ?? item.resourceId).slice(
    0,
    MAX_NAME_LENGTH,
  );
  const ci: ConfigurationItem = {
    id,
    ciClass,
    name,
    ...(ownerGroup === undefined ? {} : { ownerGroup }),
    criticality,
    environment,
    lifecycleState: LIFECYCLE_BY_STATUS[item.configurationItemStatus],
    attributes,
  };

  const relationships = new Map<string, ImportedRelationship>();
  for (const related of item.relationships ?? []) {
    const { relationshipName } = related;
    if (!related.resourceId) {
      const relatedName = `${related.resourceType} ${related.resourceName ?? ''}`.trim();
      warnings.push(
        `relationship '${relationshipName}' to ${relatedName} has no resourceId; skipped`,
      );
      continue;
    }
    const ref: AwsResourceRef = {
      ciId: awsResourceCiId({
        accountId,
        region,
        resourceType: related.resourceType,
        resourceId: related.resourceId,
      }),
      ciClass: ciClassOfAwsResourceType(related.resourceType),
      resourceType: related.resourceType,
      resourceId: related.resourceId,
      ...(textOf(related.resourceName) ? { resourceName: related.resourceName as string } : {}),
    };
    if (ref.ciId === id) continue;
    const rule = RELATIONSHIP_NAME_RULES.find(({ pattern }) => pattern.test(relationshipName));
    const type = rule?.typeFor(ciClass, ref.ciClass) ?? 'connects_to';
    const relationship = canonicalRelationship({ source: id, type, target: ref.ciId });
    relationships.set(relationshipKey(relationship), { ...relationship, related: ref });
  }

  return {
    ci,
    relationships: [...relationships.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, relationship]) => relationship),
    capturedAt: new Date(item.configurationItemCaptureTime).toISOString(),
    defaultedFields,
    warnings,
  };
}
