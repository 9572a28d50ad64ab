import * as z from '../zod';
import { defineEvent } from './envelope';

/**
 * The CMDB's published language: the CI snapshot its API and its events expose. Relationships
 * travel as their own events, not inside the snapshot: a CI may have up to 2,000 of them,
 * which would not fit an EventBridge event (256 KB).
 */
export const CMDB_SOURCE = 'itsm.cmdb';
export const CI_AGGREGATE = 'ci';

export const CiSources = ['manual', 'aws-config'] as const;
export const CiSourceSchema = z.enum(CiSources);
export type CiSource = z.infer<typeof CiSourceSchema>;

export const CiSnapshotSchema = z.object({
  id: z.string(),
  ciClass: z.string(),
  name: z.string(),
  ownerGroup: z.optional(z.string()),
  criticality: z.int().check(z.minimum(1), z.maximum(4)),
  environment: z.string(),
  lifecycleState: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  source: CiSourceSchema,
  /** When AWS Config captured the state this CI reflects; imported CIs only. */
  capturedAt: z.optional(z.iso.datetime()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.int().check(z.positive()),
});
export type CiSnapshot = z.infer<typeof CiSnapshotSchema>;

/** A relationship in its forward (stored) form: `source type target`, e.g. `app runs_on vm`. */
export const CiRelationshipSnapshotSchema = z.object({
  source: z.string(),
  type: z.string(),
  target: z.string(),
});

export const CiCreated = defineEvent({
  source: CMDB_SOURCE,
  detailType: 'CiCreated',
  version: 1,
  aggregateType: CI_AGGREGATE,
  data: z.object({ ci: CiSnapshotSchema }),
});

export const CiUpdated = defineEvent({
  source: CMDB_SOURCE,
  detailType: 'CiUpdated',
  version: 1,
  aggregateType: CI_AGGREGATE,
  data: z.object({ ci: CiSnapshotSchema, changedFields: z.array(z.string()) }),
});

/** Published on the CI whose request added the relationship (for imports: the imported CI). */
export const CiRelationshipAdded = defineEvent({
  source: CMDB_SOURCE,
  detailType: 'CiRelationshipAdded',
  version: 1,
  aggregateType: CI_AGGREGATE,
  data: z.object({ ci: CiSnapshotSchema, relationship: CiRelationshipSnapshotSchema }),
});

export const CiRelationshipRemoved = defineEvent({
  source: CMDB_SOURCE,
  detailType: 'CiRelationshipRemoved',
  version: 1,
  aggregateType: CI_AGGREGATE,
  data: z.object({ ci: CiSnapshotSchema, relationship: CiRelationshipSnapshotSchema }),
});
