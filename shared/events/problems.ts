import * as z from '../zod';
import { defineEvent } from './envelope';
import { FieldChangeSchema, ImpactUrgencySchema, PrioritySchema } from './incidents';

/**
 * The problem area's published language: the vocabulary and the snapshot its API and its
 * events expose, and the event contracts. Other areas depend on this, never on the problem
 * module's internals.
 */
export const PROBLEM_SOURCE = 'itsm.problems';
export const PROBLEM_AGGREGATE = 'problem';

export const PROBLEM_NUMBER_PREFIX = 'PRB';

/**
 * Duplicate and Canceled end a problem for good. Closed is read-only too, but a problem that
 * recurs can be re-analysed from it.
 */
export const ProblemStates = [
  'New',
  'Assess',
  'Root Cause Analysis',
  'Fix in Progress',
  'Resolved',
  'Closed',
  'Duplicate',
  'Canceled',
] as const;
export const ProblemStateSchema = z.enum(ProblemStates);
export type ProblemState = z.infer<typeof ProblemStateSchema>;

/** Duplicate and Canceled are states of their own, so they are not resolution codes. */
export const ProblemResolutionCodes = ['Fix Applied', 'Risk Accepted'] as const;
export const ProblemResolutionCodeSchema = z.enum(ProblemResolutionCodes);
export type ProblemResolutionCode = z.infer<typeof ProblemResolutionCodeSchema>;

export const ProblemSources = ['manual', 'detected'] as const;
export const ProblemSourceSchema = z.enum(ProblemSources);
export type ProblemSource = z.infer<typeof ProblemSourceSchema>;

export const ProblemSnapshotSchema = z.object({
  id: z.string(),
  number: z.string(),
  shortDescription: z.string(),
  description: z.optional(z.string()),
  category: z.optional(z.string()),
  impact: ImpactUrgencySchema,
  urgency: ImpactUrgencySchema,
  priority: PrioritySchema,
  /** The CI the problem is about: for a detected problem, the one its incidents share. */
  configurationItem: z.optional(z.string()),
  assignmentGroup: z.optional(z.string()),
  assignee: z.optional(z.string()),
  state: ProblemStateSchema,
  /** A known error has a documented root cause and workaround (kept as an invariant). */
  knownError: z.boolean(),
  rootCause: z.optional(z.string()),
  workaround: z.optional(z.string()),
  resolutionCode: z.optional(ProblemResolutionCodeSchema),
  resolutionNotes: z.optional(z.string()),
  /** The problem kept in this one's place, when Duplicate. */
  duplicateOf: z.optional(z.string()),
  linkedIncidentCount: z.int().check(z.minimum(0)),
  source: ProblemSourceSchema,
  openedBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  resolvedAt: z.optional(z.iso.datetime()),
  closedAt: z.optional(z.iso.datetime()),
  version: z.int().check(z.positive()),
});
export type ProblemSnapshot = z.infer<typeof ProblemSnapshotSchema>;

/** One incident linked to one problem; stored beside the problem, one item per link. */
export const ProblemIncidentLinkSchema = z.object({
  problemId: z.string(),
  incidentId: z.string(),
  /** The incident's CI when linked, so a problem's affected CIs need no incident reads. */
  configurationItem: z.optional(z.string()),
  linkedAt: z.iso.datetime(),
  linkedBy: z.string(),
});
export type ProblemIncidentLink = z.infer<typeof ProblemIncidentLinkSchema>;

export const ProblemCreated = defineEvent({
  source: PROBLEM_SOURCE,
  detailType: 'ProblemCreated',
  version: 1,
  aggregateType: PROBLEM_AGGREGATE,
  data: z.object({ problem: ProblemSnapshotSchema }),
});

export const ProblemUpdated = defineEvent({
  source: PROBLEM_SOURCE,
  detailType: 'ProblemUpdated',
  version: 1,
  aggregateType: PROBLEM_AGGREGATE,
  data: z.object({ problem: ProblemSnapshotSchema, changes: z.array(FieldChangeSchema) }),
});

/** Carries what the incident area needs to follow a problem (resolved by problem, notes). */
export const ProblemStateChanged = defineEvent({
  source: PROBLEM_SOURCE,
  detailType: 'ProblemStateChanged',
  version: 1,
  aggregateType: PROBLEM_AGGREGATE,
  data: z.object({
    problem: ProblemSnapshotSchema,
    action: z.string(),
    from: ProblemStateSchema,
    to: ProblemStateSchema,
  }),
});

export const ProblemIncidentsLinked = defineEvent({
  source: PROBLEM_SOURCE,
  detailType: 'ProblemIncidentsLinked',
  version: 1,
  aggregateType: PROBLEM_AGGREGATE,
  data: z.object({ problem: ProblemSnapshotSchema, links: z.array(ProblemIncidentLinkSchema) }),
});

export const ProblemIncidentsUnlinked = defineEvent({
  source: PROBLEM_SOURCE,
  detailType: 'ProblemIncidentsUnlinked',
  version: 1,
  aggregateType: PROBLEM_AGGREGATE,
  data: z.object({ problem: ProblemSnapshotSchema, incidentIds: z.array(z.string()) }),
});

/** "Communicate workaround": one work note per linked open incident, with a stable id. */
export const ProblemWorkaroundCommunicated = defineEvent({
  source: PROBLEM_SOURCE,
  detailType: 'ProblemWorkaroundCommunicated',
  version: 1,
  aggregateType: PROBLEM_AGGREGATE,
  data: z.object({
    problem: ProblemSnapshotSchema,
    notes: z.array(z.object({ incidentId: z.string(), commentId: z.string(), body: z.string() })),
  }),
});
