import * as z from 'zod';
import { CiSnapshotSchema } from '../../shared/events/cmdb';
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
  .min(1)
  .max(100)
  .regex(/^[\w.@:/+-]+$/, 'expected an id of letters, digits and . @ : / + - _');
const name = z.string().trim().min(1).max(255);
const attributes = z
  .record(z.string(), z.unknown())
  .describe('Free attributes; which ones a class accepts is listed per class');

export const CiSchema = CiSnapshotSchema.extend({
  ciClass: CiClassSchema,
  criticality: CriticalitySchema,
  environment: EnvironmentSchema,
  lifecycleState: LifecycleStateSchema,
}).meta({ id: 'ConfigurationItem' });

export const CreateCiRequestSchema = z
  .strictObject({
    ciClass: CiClassSchema,
    name,
    ownerGroup: reference.optional(),
    criticality: CriticalitySchema.describe('1 critical .. 4 low'),
    environment: EnvironmentSchema,
    lifecycleState: LifecycleStateSchema.optional().describe('planned unless given'),
    attributes: attributes.optional(),
  })
  .meta({ id: 'CreateCiRequest' });

export const PatchCiRequestSchema = z
  .strictObject({
    name: name.optional(),
    ownerGroup: reference.nullable().optional(),
    criticality: CriticalitySchema.optional(),
    environment: EnvironmentSchema.optional(),
    lifecycleState: LifecycleStateSchema.optional().describe(
      'planned -> in_build | operational | retired; in_build -> planned | operational | retired; operational <-> in_maintenance; any -> retired; retired is final',
    ),
    attributes: attributes.optional().describe('Replaces all attributes'),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'expected at least one field to change',
  })
  .meta({ id: 'PatchCiRequest', description: 'Fields to change; null clears the owner group.' });

const pageSize = z.coerce.number().int().min(1).max(100).default(25);
export const ListCisQuerySchema = z
  .strictObject({
    ownerGroup: reference.optional(),
    lifecycleState: LifecycleStateSchema.optional(),
    ciClass: CiClassSchema.optional(),
    limit: pageSize,
    cursor: z.string().max(2048).optional(),
  })
  .meta({ id: 'ListCisQuery' });

export const CiListSchema = z
  .object({
    items: z.array(CiSchema),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to get the next page; null on the last page'),
  })
  .meta({ id: 'CiList' });

export const CiIdParamSchema = z.object({ id: reference.describe('The CI id') });

export const RelationshipRequestSchema = z
  .strictObject({
    type: RelationshipTypeSchema.describe('Either form of a pair: runs_on or runs'),
    target: reference,
  })
  .meta({ id: 'RelationshipRequest' });

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
    type: RelationshipTypeSchema.describe('Read from this CI: this CI <type> target'),
    target: z.string(),
    canonical: CanonicalRelationshipSchema.describe('The stored, forward form of the fact'),
  })
  .meta({ id: 'Relationship' });

export const RelationshipListSchema = z
  .object({ items: z.array(RelationshipSchema) })
  .meta({ id: 'RelationshipList' });

export const ImpactQuerySchema = z.strictObject({
  maxDepth: z.coerce.number().int().min(0).max(MAX_IMPACT_DEPTH).default(MAX_IMPACT_DEPTH),
});

export const ImpactSchema = z
  .object({
    impacted: z.array(
      z.object({
        ciId: z.string(),
        name: z.string(),
        ciClass: CiClassSchema,
        kind: z.enum(['ci', 'service']),
        depth: z.number().int(),
        path: z.array(z.object({ ciId: z.string(), via: RelationshipTypeSchema })),
        redundancy: z
          .object({
            minimumUp: z.number().int(),
            memberCount: z.number().int(),
            membersDown: z.array(z.string()),
          })
          .optional(),
      }),
    ),
    truncated: z.boolean().describe('True when CIs beyond maxDepth would be impacted too'),
  })
  .meta({ id: 'Impact' });

export const ImportRequestSchema = z
  .union([
    z.record(z.string(), z.unknown()),
    z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_IMPORT_DOCUMENTS),
  ])
  .describe(
    `One AWS Config configuration item (as in snapshots, notifications or GetResourceConfigHistory) or an array of up to ${MAX_IMPORT_DOCUMENTS}`,
  )
  .meta({ id: 'ImportRequest' });

export const ImportResultSchema = z
  .object({
    items: z.array(
      z.object({
        ciId: z.string(),
        outcome: z.enum(['created', 'updated', 'unchanged', 'stale']),
        relationshipsAdded: z.number().int(),
        warnings: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: 'ImportResult' });
