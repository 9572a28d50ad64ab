import * as z from 'zod';
import type { Principal } from '../../../shared/auth';
import type { PriorityMatrix } from '../../../shared/domain/priority';
import { withoutUndefined } from '../../../shared/domain/values';
import {
  type FieldChange,
  HoldReasonSchema,
  ImpactUrgencySchema,
  IncidentStateSchema,
  PrioritySchema,
} from '../../../shared/events/incidents';

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

/** Work on the problem is under way: it takes new incident links and detection links to it. */
export const ActiveStates = [
  'New',
  'Assess',
  'Root Cause Analysis',
  'Fix in Progress',
] as const satisfies ProblemState[];
export const ReadOnlyStates = ['Closed', 'Duplicate', 'Canceled'] as const satisfies ProblemState[];

export function isActive(state: ProblemState): boolean {
  return (ActiveStates as readonly ProblemState[]).includes(state);
}

export function isReadOnly(state: ProblemState): boolean {
  return (ReadOnlyStates as readonly ProblemState[]).includes(state);
}

/** Duplicate and Canceled are states of their own, so they are not resolution codes. */
export const ProblemResolutionCodes = ['Fix Applied', 'Risk Accepted'] as const;
export const ProblemResolutionCodeSchema = z.enum(ProblemResolutionCodes);
export type ProblemResolutionCode = z.infer<typeof ProblemResolutionCodeSchema>;

export const ProblemSources = ['manual', 'detected'] as const;
export const ProblemSourceSchema = z.enum(ProblemSources);
export type ProblemSource = z.infer<typeof ProblemSourceSchema>;

export const ProblemSchema = z.object({
  id: z.string(),
  number: z.string(),
  shortDescription: z.string(),
  description: z.string().optional(),
  category: z.string().optional(),
  impact: ImpactUrgencySchema,
  urgency: ImpactUrgencySchema,
  priority: PrioritySchema,
  /** The CI the problem is about: for a detected problem, the one its incidents share. */
  configurationItem: z.string().optional(),
  assignmentGroup: z.string().optional(),
  assignee: z.string().optional(),
  state: ProblemStateSchema,
  /** A known error has a documented root cause and workaround (kept as an invariant). */
  knownError: z.boolean(),
  rootCause: z.string().optional(),
  workaround: z.string().optional(),
  resolutionCode: ProblemResolutionCodeSchema.optional(),
  resolutionNotes: z.string().optional(),
  /** The problem kept in this one's place, when Duplicate. */
  duplicateOf: z.string().optional(),
  linkedIncidentCount: z.number().int().min(0),
  source: ProblemSourceSchema,
  openedBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  resolvedAt: z.iso.datetime().optional(),
  closedAt: z.iso.datetime().optional(),
  version: z.number().int().positive(),
});
export type Problem = z.infer<typeof ProblemSchema>;

/** One incident linked to one problem; stored beside the problem, one item per link. */
export const ProblemIncidentLinkSchema = z.object({
  problemId: z.string(),
  incidentId: z.string(),
  /** The incident's CI when linked, so a problem's affected CIs need no incident reads. */
  configurationItem: z.string().optional(),
  linkedAt: z.iso.datetime(),
  linkedBy: z.string(),
});
export type ProblemIncidentLink = z.infer<typeof ProblemIncidentLinkSchema>;

/** What the problem rules need to know of an incident. */
export const IncidentRefSchema = z.object({
  id: z.string(),
  state: IncidentStateSchema,
  holdReason: HoldReasonSchema.optional(),
  configurationItem: z.string().optional(),
});
export type IncidentRef = z.infer<typeof IncidentRefSchema>;

export interface DomainContext {
  /** ISO-8601 instant; the domain never reads a clock. */
  now: string;
  actor: Principal;
}

export type PriorityContext = DomainContext & { priorityMatrix: PriorityMatrix };

export interface NewProblemInput {
  shortDescription: string;
  description?: string;
  category?: string;
  impact?: number;
  urgency?: number;
  configurationItem?: string;
  assignmentGroup?: string;
  assignee?: string;
  knownError?: boolean;
  rootCause?: string;
  workaround?: string;
}

/** A PATCH body: absent leaves a field alone, `null` clears an optional field. */
export type ProblemPatch = {
  shortDescription?: string;
  description?: string | null;
  category?: string | null;
  impact?: number;
  urgency?: number;
  configurationItem?: string | null;
  assignmentGroup?: string | null;
  assignee?: string | null;
  knownError?: boolean;
  rootCause?: string | null;
  workaround?: string | null;
};

export const ProblemPatchFields = [
  'shortDescription',
  'description',
  'category',
  'impact',
  'urgency',
  'configurationItem',
  'assignmentGroup',
  'assignee',
  'knownError',
  'rootCause',
  'workaround',
] as const satisfies readonly (keyof ProblemPatch)[];

export const ProblemActions = [
  'assess',
  'analyse',
  'fix',
  'resolve',
  'close',
  'reanalyse',
  'markDuplicate',
  'cancel',
] as const;
export type ProblemAction = (typeof ProblemActions)[number];

/** `comment` is kept as a work note in the same transaction as the transition. */
export type ProblemTransitionCommand =
  | { action: 'assess'; comment?: string }
  | { action: 'analyse'; comment?: string }
  | { action: 'fix'; rootCause?: string; comment?: string }
  | {
      action: 'resolve';
      resolutionCode: ProblemResolutionCode;
      resolutionNotes: string;
      comment?: string;
    }
  | { action: 'close'; comment?: string }
  | { action: 'reanalyse'; comment?: string }
  | { action: 'markDuplicate'; duplicateOf: string; comment?: string }
  | { action: 'cancel'; comment?: string };

/** Version and update time are bookkeeping, not changes a person made. */
const UNTRACKED_FIELDS: ReadonlySet<string> = new Set(['version', 'updatedAt']);
const TRACKED_FIELDS = (Object.keys(ProblemSchema.shape) as (keyof Problem)[]).filter(
  (field) => !UNTRACKED_FIELDS.has(field),
);

/** Field-level differences for the audit history; an absent value is reported as `null`. */
export function diffProblems(before: Problem, after: Problem): FieldChange[] {
  return TRACKED_FIELDS.filter((field) => before[field] !== after[field]).map((field) => ({
    field,
    old: before[field] ?? null,
    new: after[field] ?? null,
  }));
}

/** Applies `fields` as a new version of the problem, with the changes they make. */
export function revise(
  problem: Problem,
  fields: Partial<Problem>,
  now: string,
): { problem: Problem; changes: FieldChange[] } {
  const revised = withoutUndefined({
    ...problem,
    ...fields,
    version: problem.version + 1,
    updatedAt: now,
  });
  return { problem: revised, changes: diffProblems(problem, revised) };
}
