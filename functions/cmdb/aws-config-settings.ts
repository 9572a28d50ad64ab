import { jsonVariable, readConfig } from '../../shared/config';
import * as z from '../../shared/zod';

/**
 * The resource types the AWS Config delivery imports, as a JSON array in this variable; the
 * CDK construct sets it from the `awsConfigImport.resourceTypes` deploy setting.
 */
export const IMPORTED_RESOURCE_TYPES_ENV = 'AWS_CONFIG_RESOURCE_TYPES';

/** `AWS::Service::Type`; the inventory query quotes them, so nothing else is allowed. */
export const AwsResourceTypeSchema = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/,
      'expected a type like AWS::EC2::Instance',
    ),
  );

const ImportedResourceTypesSchema = z.object({
  [IMPORTED_RESOURCE_TYPES_ENV]: jsonVariable(
    z.array(AwsResourceTypeSchema).check(z.minLength(1)),
    'expected a JSON array of resource types',
  ),
});

/** Reads the imported resource types; fails fast when the variable is missing or malformed. */
export function importedResourceTypes(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  return readConfig(ImportedResourceTypesSchema, env)[IMPORTED_RESOURCE_TYPES_ENV];
}
