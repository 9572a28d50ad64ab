import type { App } from 'aws-cdk-lib';
import * as z from 'zod';
import { ChangeManagementSettingsSchema } from '../functions/change/settings';
import { AwsResourceTypeSchema } from '../functions/cmdb/aws-config-settings';
import { mappedAwsResourceTypes } from '../functions/cmdb/domain/aws-config';
import { DetectionPolicySchema } from '../functions/problem/domain/detection';

export class InvalidDeploySettingsError extends Error {
  override readonly name = 'InvalidDeploySettingsError';
}

/** Context given on the command line (`-c key=value`) arrives as a string; cdk.json keeps JSON types. */
function fromJsonString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const PriorityRowSchema = z.tuple([z.int(), z.int(), z.int()]);

const DeploySettingsSchema = z.object({
  /** Becomes part of resource names (bus, user pool, domain prefix), hence the strict format. */
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, 'lowercase letters, digits and hyphens, at most 20')
    .default('dev'),
  /** Priority by impact (row) and urgency (column), both 1 High ... 3 Low. */
  priorityMatrix: z
    .preprocess(
      fromJsonString,
      z
        .tuple([PriorityRowSchema, PriorityRowSchema, PriorityRowSchema])
        .refine(
          (rows) => rows.flat().every((priority) => priority >= 1 && priority <= 5),
          'priorities must be 1 (Critical) ... 5 (Planning)',
        ),
    )
    .default([
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 5],
    ]),
  /** Resolved incidents close automatically after this many hours. */
  autoCloseAfterHours: z.coerce.number().int().positive().default(168),
  /** Hosted-UI / token endpoint domain prefix; unique per region, so the default adds the account. */
  cognitoDomainPrefix: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and hyphens')
    .optional(),
  /** Where the hosted UI may redirect people after sign-in (authorization code + PKCE). */
  cognitoCallbackUrls: z
    .preprocess(fromJsonString, z.array(z.url()).min(1))
    .default(['http://localhost:3000/callback']),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /**
   * Delivery of AWS Config configuration items into the CMDB (docs/cmdb.md): a rule on the
   * default bus for AWS Config's change events, and a full sync every `scheduleHours`. Off by
   * default: it needs AWS Config recording in the account, and the local runtime has none.
   */
  awsConfigImport: z
    .preprocess(
      fromJsonString,
      z.strictObject({
        enabled: z.boolean().default(false),
        /** Every type the CMDB mapping gives a class of its own unless given. */
        resourceTypes: z
          .array(AwsResourceTypeSchema)
          .min(1)
          // The change rule lists them, and EventBridge patterns are limited to 2,048 characters.
          .refine((types) => types.join("', '").length <= 1500, 'at most 1,500 characters in all')
          .default(mappedAwsResourceTypes),
        scheduleHours: z.int().min(1).max(168).default(24),
        /**
         * The delivery channel's S3 bucket: with it, the import reads oversized change
         * notifications from there; without it, those are left to the next full sync.
         */
        deliveryBucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name')
          .optional(),
      }),
    )
    .prefault({}),
  /**
   * Problem detection (docs/problems.md): a problem candidate when `threshold` incidents fall
   * within `windowHours` on one CI or on CIs sharing an upstream CI up to `maxDepth` hops away.
   */
  problemDetection: z
    .preprocess(fromJsonString, z.strictObject(DetectionPolicySchema.shape))
    .prefault({}),
  /** Change management (docs/changes.md): approver groups, policies, windows. */
  changeManagement: z.preprocess(fromJsonString, ChangeManagementSettingsSchema).prefault({}),
});

/** Deploy-time parameters, read from CDK context (cdk.json, cdk.context.json or `-c`). */
export type DeploySettings = z.output<typeof DeploySettingsSchema>;

const DEPLOY_SETTING_KEYS = Object.keys(DeploySettingsSchema.shape) as ReadonlyArray<
  keyof DeploySettings
>;

export function readDeploySettings(app: App): DeploySettings {
  const context = Object.fromEntries(
    DEPLOY_SETTING_KEYS.map((key) => [key, app.node.tryGetContext(key)]),
  );
  const result = DeploySettingsSchema.safeParse(context);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new InvalidDeploySettingsError(`Invalid CDK context: ${problems}`);
  }
  return result.data;
}
