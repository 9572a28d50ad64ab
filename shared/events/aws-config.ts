import * as z from '../zod';

/**
 * An event another system publishes, described by what we read of it: where it comes from,
 * what it is called, and the schema of the part of `detail` we rely on (the rest passes).
 * Unlike the catalog's contracts, we do not version it: its owner does.
 */
export interface ExternalEventContract<Detail extends z.ZodMiniType = z.ZodMiniType> {
  /** EventBridge `source`. */
  readonly source: string;
  /** EventBridge `detail-type`. */
  readonly detailType: string;
  readonly detail: Detail;
}

/** `detail.messageType` of a change whose configuration item is in the event. */
export const INLINE_CHANGE = 'ConfigurationItemChangeNotification';
/** `detail.messageType` of a change too large for the event: the item is in S3. */
export const OVERSIZED_CHANGE = 'OversizedConfigurationItemChangeNotification';

const resourceType = z.string().check(z.minLength(1));

/**
 * The configuration item as the event carries it. Only the type is read here (to filter);
 * the CMDB's AWS Config mapping validates the rest.
 */
const ConfigurationItemSchema = z.looseObject({ resourceType });

const InlineChangeSchema = z.looseObject({
  messageType: z.literal(INLINE_CHANGE),
  configurationItem: ConfigurationItemSchema,
});

const OversizedChangeSchema = z.looseObject({
  messageType: z.literal(OVERSIZED_CHANGE),
  configurationItemSummary: z.looseObject({
    resourceType,
    resourceId: z.string().check(z.minLength(1)),
  }),
  /** `<bucket>/<key>` of the gzipped notification, written by the delivery channel. */
  s3DeliverySummary: z.looseObject({ s3BucketLocation: z.string().check(z.regex(/^[^/]+\/.+$/)) }),
});

export const ConfigurationItemChangeDetailSchema = z.discriminatedUnion('messageType', [
  InlineChangeSchema,
  OversizedChangeSchema,
]);
export type ConfigurationItemChangeDetail = z.infer<typeof ConfigurationItemChangeDetailSchema>;

/**
 * What AWS Config publishes to the account's default bus when it records a change of a
 * resource (EventBridge "AWS Config events"; detail shapes: AWS Config developer guide,
 * "Example Configuration Item Change Notifications" and "Example Oversized Configuration Item
 * Change Notification"). Delivery is best effort.
 */
export const ConfigurationItemChange = {
  source: 'aws.config',
  detailType: 'Config Configuration Item Change',
  detail: ConfigurationItemChangeDetailSchema,
} as const satisfies ExternalEventContract;

/**
 * The full notification of an oversized change, as the delivery channel stores it in S3
 * (gzipped JSON): the same document as an inline change's detail.
 */
export const OversizedChangeObjectSchema = z.pick(InlineChangeSchema, { configurationItem: true });

export interface S3Location {
  bucket: string;
  key: string;
}

/** `s3BucketLocation` is `<bucket>/<key>`; keys contain slashes, bucket names do not. */
export function s3LocationOf(change: z.infer<typeof OversizedChangeSchema>): S3Location {
  const location = change.s3DeliverySummary.s3BucketLocation;
  const slash = location.indexOf('/');
  return { bucket: location.slice(0, slash), key: location.slice(slash + 1) };
}
