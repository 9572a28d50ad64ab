import * as z from '../zod';
import { defineEvent } from './envelope';

/**
 * The incident area's published language: the vocabulary and the snapshot that both its API
 * and its events expose. Other areas depend on this, never on the incident module's internals.
 */
export const INCIDENT_SOURCE = 'itsm.incidents';
export const INCIDENT_AGGREGATE = 'incident';

export const IncidentStates = [
  'New',
  'In Progress',
  'On Hold',
  'Resolved',
  'Closed',
  'Canceled',
] as const;
export const IncidentStateSchema = z.enum(IncidentStates);
export type IncidentState = z.infer<typeof IncidentStateSchema>;

/** States in which work is still pending; Resolved waits for confirmation, the rest are final. */
export const OpenIncidentStates = [
  'New',
  'In Progress',
  'On Hold',
] as const satisfies IncidentState[];

export function isOpenIncidentState(state: IncidentState): boolean {
  return (OpenIncidentStates as readonly IncidentState[]).includes(state);
}

export const HoldReasons = [
  'Awaiting Caller',
  'Awaiting Change',
  'Awaiting Problem',
  'Awaiting Vendor',
] as const;
export const HoldReasonSchema = z.enum(HoldReasons);
export type HoldReason = z.infer<typeof HoldReasonSchema>;

export const ResolutionCodes = [
  'Solved (Permanently)',
  'Solved (Workaround)',
  'Solved Remotely',
  'Not Solved (Not Reproducible)',
  'Not Solved (Too Costly)',
  'Closed/Resolved by Caller',
  'Resolved by Problem',
  'Resolved by Parent',
  'Duplicate',
] as const;
export const ResolutionCodeSchema = z.enum(ResolutionCodes);
export type ResolutionCode = z.infer<typeof ResolutionCodeSchema>;

export const Channels = [
  'portal',
  'email',
  'phone',
  'chat',
  'monitoring',
  'api',
  'walk-in',
] as const;
export const ChannelSchema = z.enum(Channels);
export type Channel = z.infer<typeof ChannelSchema>;

/** 1 High, 2 Medium, 3 Low. */
export const ImpactUrgencySchema = z.int().check(z.minimum(1), z.maximum(3));
/** 1 Critical ... 5 Planning, derived from impact x urgency. */
export const PrioritySchema = z.int().check(z.minimum(1), z.maximum(5));

export const IncidentSnapshotSchema = z.object({
  id: z.string(),
  number: z.string(),
  shortDescription: z.string(),
  description: z.optional(z.string()),
  caller: z.string(),
  category: z.optional(z.string()),
  impact: ImpactUrgencySchema,
  urgency: ImpactUrgencySchema,
  priority: PrioritySchema,
  configurationItem: z.optional(z.string()),
  assignmentGroup: z.optional(z.string()),
  assignee: z.optional(z.string()),
  channel: ChannelSchema,
  state: IncidentStateSchema,
  holdReason: z.optional(HoldReasonSchema),
  resolutionCode: z.optional(ResolutionCodeSchema),
  resolutionNotes: z.optional(z.string()),
  parentId: z.optional(z.string()),
  childCount: z.int().check(z.minimum(0)),
  openedBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  resolvedAt: z.optional(z.iso.datetime()),
  closedAt: z.optional(z.iso.datetime()),
  version: z.int().check(z.positive()),
});
export type IncidentSnapshot = z.infer<typeof IncidentSnapshotSchema>;

export const FieldChangeSchema = z.object({
  field: z.string(),
  old: z.unknown(),
  new: z.unknown(),
});
export type FieldChange = z.infer<typeof FieldChangeSchema>;

export const CommentVisibilitySchema = z.enum(['public', 'internal']);

export const IncidentCreated = defineEvent({
  source: INCIDENT_SOURCE,
  detailType: 'IncidentCreated',
  version: 1,
  aggregateType: INCIDENT_AGGREGATE,
  data: z.object({ incident: IncidentSnapshotSchema }),
});

export const IncidentUpdated = defineEvent({
  source: INCIDENT_SOURCE,
  detailType: 'IncidentUpdated',
  version: 1,
  aggregateType: INCIDENT_AGGREGATE,
  data: z.object({ incident: IncidentSnapshotSchema, changes: z.array(FieldChangeSchema) }),
});

export const IncidentStateChanged = defineEvent({
  source: INCIDENT_SOURCE,
  detailType: 'IncidentStateChanged',
  version: 1,
  aggregateType: INCIDENT_AGGREGATE,
  data: z.object({
    incident: IncidentSnapshotSchema,
    action: z.string(),
    from: IncidentStateSchema,
    to: IncidentStateSchema,
  }),
});

export const IncidentAssigned = defineEvent({
  source: INCIDENT_SOURCE,
  detailType: 'IncidentAssigned',
  version: 1,
  aggregateType: INCIDENT_AGGREGATE,
  data: z.object({
    incident: IncidentSnapshotSchema,
    from: z.object({ assignmentGroup: z.optional(z.string()), assignee: z.optional(z.string()) }),
    to: z.object({ assignmentGroup: z.optional(z.string()), assignee: z.optional(z.string()) }),
  }),
});

export const IncidentCommented = defineEvent({
  source: INCIDENT_SOURCE,
  detailType: 'IncidentCommented',
  version: 1,
  aggregateType: INCIDENT_AGGREGATE,
  data: z.object({
    incident: IncidentSnapshotSchema,
    comment: z.object({
      id: z.string(),
      visibility: CommentVisibilitySchema,
      author: z.string(),
      body: z.string(),
      createdAt: z.iso.datetime(),
    }),
  }),
});
