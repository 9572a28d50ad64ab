import { type AwsResourceKey, awsResourceCiId } from '../../shared/domain/ids';

/**
 * From an AWS resource's ARN to the CI the CMDB's AWS Config import made of it. The import
 * keys a CI by a UUID of account, region, resource type and the resource id AWS Config
 * records (`awsResourceCiId`, shared/domain/ids.ts) and keeps the ARN in the
 * CI's `attributes.arn`. So the gate needs no lookup index: it derives the candidate CI ids
 * of an ARN (the type from the ARN's service and resource type; as the id, the resource's
 * name, its whole path, the ARN itself, or a queue's URL, since AWS Config records each of
 * these for some type), reads them with the CIs named directly (one BatchGetItem), and takes
 * the candidate whose stored ARN is the one given. ARNs that do not determine the resource id
 * AWS Config records (an RDS instance is recorded by its DbiResourceId, an S3 bucket's ARN has
 * no region) or of types not listed here have no candidates: the gate finds those through the
 * CMDB's ARN index instead (gate-use-case.ts).
 */
const RESOURCE_TYPES_BY_ARN: Readonly<Record<string, string>> = {
  'ec2:instance': 'AWS::EC2::Instance',
  'ec2:volume': 'AWS::EC2::Volume',
  'ec2:vpc': 'AWS::EC2::VPC',
  'ec2:subnet': 'AWS::EC2::Subnet',
  'ec2:natgateway': 'AWS::EC2::NatGateway',
  'ec2:internet-gateway': 'AWS::EC2::InternetGateway',
  'ec2:transit-gateway': 'AWS::EC2::TransitGateway',
  'ec2:vpn-gateway': 'AWS::EC2::VPNGateway',
  'ec2:customer-gateway': 'AWS::EC2::CustomerGateway',
  'elasticfilesystem:file-system': 'AWS::EFS::FileSystem',
  'dynamodb:table': 'AWS::DynamoDB::Table',
  'elasticache:cluster': 'AWS::ElastiCache::CacheCluster',
  'lambda:function': 'AWS::Lambda::Function',
  'ecs:service': 'AWS::ECS::Service',
  'elasticloadbalancing:loadbalancer': 'AWS::ElasticLoadBalancing::LoadBalancer',
  'elasticloadbalancing:loadbalancer/app': 'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'elasticloadbalancing:loadbalancer/net': 'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'sqs:': 'AWS::SQS::Queue',
  'sns:': 'AWS::SNS::Topic',
  'kinesis:stream': 'AWS::Kinesis::Stream',
  'autoscaling:autoScalingGroup': 'AWS::AutoScaling::AutoScalingGroup',
};

const ARN = /^arn:([\w-]+):([\w-]+):([\w-]*):(\d{12}|):(.+)$/;

export function isArn(target: string): boolean {
  return target.startsWith('arn:');
}

/**
 * The AWS Config keys an ARN may stand for, most likely first; none when the ARN is malformed,
 * has no region or account, or names a type the table above does not list.
 */
export function awsResourceKeysOf(arn: string): AwsResourceKey[] {
  const [, , service, region, accountId, resource] = ARN.exec(arn) ?? [];
  if (!service || !region || !accountId || !resource) return [];
  // `type/id`, `type:id` (Lambda, Auto Scaling) or a bare name (SQS, SNS).
  const separator = resource.search(/[/:]/);
  const kind = separator < 0 ? '' : resource.slice(0, separator);
  const path = separator < 0 ? resource : resource.slice(separator + 1);
  const subtype = path.split('/')[0];
  const resourceType =
    RESOURCE_TYPES_BY_ARN[`${service}:${kind}/${subtype}`] ??
    RESOURCE_TYPES_BY_ARN[`${service}:${kind}`];
  if (resourceType === undefined) return [];
  // Lambda's version or alias qualifier and Auto Scaling's group id come before or after the name.
  const name = path.split(/[/:]/).at(service === 'lambda' ? 0 : -1) ?? path;
  const queueUrl =
    service === 'sqs' ? [`https://sqs.${region}.amazonaws.com/${accountId}/${path}`] : [];
  const resourceIds = [...new Set([name, path, arn, ...queueUrl])];
  return resourceIds.map((resourceId) => ({ accountId, region, resourceType, resourceId }));
}

/** The candidate CI ids of an ARN (awsResourceKeysOf), most likely first. */
export function candidateCiIds(arn: string): string[] {
  return awsResourceKeysOf(arn).map(awsResourceCiId);
}
