import { gunzipSync } from 'node:zlib';
import {
  type ConfigurationItemChangeDetail,
  INLINE_CHANGE,
  OversizedChangeObjectSchema,
  type S3Location,
  s3LocationOf,
} from '../../shared/events/aws-config';

/** Reads the bytes of an S3 object (GetObject in AWS, a fake in tests). */
export type ObjectReader = (location: S3Location) => Promise<Uint8Array>;

export function resourceTypeOfChange(detail: ConfigurationItemChangeDetail): string {
  return detail.messageType === INLINE_CHANGE
    ? detail.configurationItem.resourceType
    : detail.configurationItemSummary.resourceType;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The configuration item of an AWS Config change: the one in the event, or, for an oversized
 * change, the one in the notification the delivery channel wrote to S3 (gzipped JSON).
 */
export async function configurationItemOfChange(
  detail: ConfigurationItemChangeDetail,
  readObject: ObjectReader,
): Promise<Record<string, unknown>> {
  if (detail.messageType === INLINE_CHANGE) return detail.configurationItem;
  const bytes = await readObject(s3LocationOf(detail));
  const text = Buffer.from(isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8');
  return OversizedChangeObjectSchema.parse(JSON.parse(text)).configurationItem;
}
