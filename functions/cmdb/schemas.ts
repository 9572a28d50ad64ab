import { CiSnapshotSchema } from '../../shared/events/cmdb';
import { changesSomething, pageSize } from '../../shared/http/schemas';
import { wholeNumber } from '../../shared/validation';
import * as z from '../../shared/zod';
import {
  CiClassSchema,
  CriticalitySchema,
  EnvironmentSchema,
  LifecycleStateSchema,
  RelationshipTypeSchema,
} from './domain';
import { MAX_IMPACT_DEPTH, MAX_IMPORT_DOCUMENTS } from './limits';

/**
 * The CMDB API's request and response schemas: validation at the edge and the source of the
 * OpenAPI document. Request bodies are strict; attributes are checked against the class by
 * the domain (issues name `attributes.<name>`).
 */
const reference = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(100),
    z.regex(/^[\w.@:/+-]+$/, 'expected an id of letters, digits and . @ : / + - _'),
  );
const name = z.string().check(z.trim(), z.minLength(1), z.maxLength(255));
const attributes = z
  .record(z.string(), z.unknown())
  .check(z.describe('Free attributes; which ones a class accepts is listed per class'));

export const CiSchema = z
  .extend(CiSnapshotSchema, {
    ciClass: CiClassSchema,
    criticality: CriticalitySchema,
    environment: EnvironmentSchema,
    lifecycleState: LifecycleStateSchema,
  })
  .check(z.meta({ id: 'ConfigurationItem' }));

export const CreateCiRequestSchema = z
  .strictObject({
    ciClass: CiClassSchema,
    name,
    ownerGroup: z.optional(reference),
    criticality: CriticalitySchema.check(z.describe('1 critical .. 4 low')),
    environment: EnvironmentSchema,
    lifecycleState: z.optional(LifecycleStateSchema).check(z.describe('planned unless given')),
    attributes: z.optional(attributes),
  })
  .check(z.meta({ id: 'CreateCiRequest' }));

export const PatchCiRequestSchema = z
  .strictObject({
    name: z.optional(name),
    ownerGroup: z.optional(z.nullable(reference)),
    criticality: z.optional(CriticalitySchema),
    environment: z.optional(EnvironmentSchema),
    lifecycleState: z
      .optional(LifecycleStateSchema)
      .check(
        z.describe(
          'planned -> in_build | operational | retired; in_build -> planned | operational | retired; operational <-> in_maintenance; any -> retired; retired is final',
        ),
      ),
    attributes: z.optional(attributes).check(z.describe('Replaces all attributes')),
  })
  .check(
    changesSomething,
    z.meta({ id: 'PatchCiRequest', description: 'Fields to change; null clears the owner group.' }),
  );

export const ListCisQuerySchema = z
  .strictObject({
    ownerGroup: z.optional(reference),
    lifecycleState: z.optional(LifecycleStateSchema),
    ciClass: z.optional(CiClassSchema),
    limit: pageSize,
    cursor: z.optional(z.string().check(z.maxLength(2048))),
  })
  .check(z.meta({ id: 'ListCisQuery' }));

export const CiListSchema = z
  .object({
    items: z.array(CiSchema),
    nextCursor: z
      .nullable(z.string())
      .check(z.describe('Pass as `cursor` to get the next page; null on the last page')),
  })
  .check(z.meta({ id: 'CiList' }));

export const CiIdParamSchema = z.object({ id: reference.check(z.describe('The CI id')) });

export const RelationshipRequestSchema = z
  .strictObject({
    type: RelationshipTypeSchema.check(z.describe('Either form of a pair: runs_on or runs')),
    target: reference,
  })
  .check(z.meta({ id: 'RelationshipRequest' }));

export const RelationshipParamsSchema = z.object({
  id: reference,
  type: RelationshipTypeSchema,
  target: reference,
});

const CanonicalRelationshipSchema = z.object({
  source: z.string(),
  type: RelationshipTypeSchema,
  target: z.string(),
});

export const RelationshipSchema = z
  .object({
    type: RelationshipTypeSchema.check(z.describe('Read from this CI: this CI <type> target')),
    target: z.string(),
    canonical: CanonicalRelationshipSchema.check(
      z.describe('The stored, forward form of the fact'),
    ),
  })
  .check(z.meta({ id: 'Relationship' }));

export const RelationshipListSchema = z
  .object({ items: z.array(RelationshipSchema) })
  .check(z.meta({ id: 'RelationshipList' }));

export const ImpactQuerySchema = z.strictObject({
  maxDepth: z._default(
    z.coerce.number().check(wholeNumber, z.minimum(0), z.maximum(MAX_IMPACT_DEPTH)),
    MAX_IMPACT_DEPTH,
  ),
});

export const ImpactSchema = z
  .object({
    impacted: z.array(
      z.object({
        ciId: z.string(),
        name: z.string(),
        ciClass: CiClassSchema,
        kind: z.enum(['ci', 'service']),
        depth: z.int(),
        path: z.array(z.object({ ciId: z.string(), via: RelationshipTypeSchema })),
        redundancy: z.optional(
          z.object({
            minimumUp: z.int(),
            memberCount: z.int(),
            membersDown: z.array(z.string()),
          }),
        ),
      }),
    ),
    truncated: z.boolean().check(z.describe('True when CIs beyond maxDepth would be impacted too')),
  })
  .check(z.meta({ id: 'Impact' }));

export const ImportRequestSchema = z
  .union([
    z.record(z.string(), z.unknown()),
    z
      .array(z.record(z.string(), z.unknown()))
      .check(z.minLength(1), z.maxLength(MAX_IMPORT_DOCUMENTS)),
  ])
  .check(
    z.describe(
      `One AWS Config configuration item (as in snapshots, notifications or GetResourceConfigHistory) or an array of up to ${MAX_IMPORT_DOCUMENTS}`,
    ),
    z.meta({ id: 'ImportRequest' }),
  );

export const ImportResultSchema = z
  .object({
    items: z.array(
      z.object({
        ciId: z.string(),
        outcome: z.enum(['created', 'updated', 'unchanged', 'stale']),
        relationshipsAdded: z.int(),
        warnings: z.array(z.string()),
      }),
    ),
  })
  .check(z.meta({ id: 'ImportResult' }));
