import * as z from 'zod';
import { readConfig } from '../../shared/config';

/**
 * The resource types the AWS Config delivery imports, as a JSON array in this variable; the
 * CDK construct sets it from the `awsConfigImport.resourceTypes` deploy setting.
 */
export const IMPORTED_RESOURCE_TYPES_ENV = 'AWS_CONFIG_RESOURCE_TYPES';

/** `AWS::Service::Type`; the inventory query quotes them, so nothing else is allowed. */
export const AwsResourceTypeSchema = z
  .string()
  .regex(/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/, 'expected a type like AWS::EC2::Instance');

const ImportedResourceTypesSchema = z.object({
  [IMPORTED_RESOURCE_TYPES_ENV]: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a JSON array of resource types' });
        return z.NEVER;
      }
    })
    .pipe(z.array(AwsResourceTypeSchema).min(1)),
});

/** Reads the imported resource types; fails fast when the variable is missing or malformed. */
export function importedResourceTypes(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  return readConfig(ImportedResourceTypesSchema, env)[IMPORTED_RESOURCE_TYPES_ENV];
}
