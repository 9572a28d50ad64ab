import { v5 as uuidv5 } from 'uuid';

/** The UUID namespace of ids derived rather than drawn (problem candidates, follow-up notes). */
const DERIVED_ID_NAMESPACE = 'd0522823-2c54-417c-93ce-c4cdeb2034ad';

/**
 * A name-based UUID (v5) of `parts`: the same parts always give the same id, so an effect
 * planned twice (a replayed event, a retried request) is written once by a conditional put.
 * The parts are JSON-encoded, so no two different lists share a name.
 */
export function derivedId(...parts: readonly (string | number)[]): string {
  return uuidv5(JSON.stringify(parts), DERIVED_ID_NAMESPACE);
}

/** The UUID namespace of the CIs of AWS resources. */
const AWS_RESOURCE_NAMESPACE = '17f80ea0-d689-45c4-bac8-407169232947';

const GLOBAL_RESOURCE_TYPE = /^AWS::(IAM|CloudFront|Route53|WAF|GlobalAccelerator)::/i;

export interface AwsResourceKey {
  accountId: string;
  region: string;
  resourceType: string;
  resourceId: string;
}

/**
 * The CI id of an AWS resource: the same from its own AWS Config document, from related ones
 * (the CMDB import) and from an ARN a pipeline names at the change gate.
 */
export function awsResourceCiId(key: AwsResourceKey): string {
  const region = GLOBAL_RESOURCE_TYPE.test(key.resourceType) ? 'global' : key.region;
  return uuidv5(
    ['aws', key.accountId, region, key.resourceType.toLowerCase(), key.resourceId].join('\n'),
    AWS_RESOURCE_NAMESPACE,
  );
}
