import type { Principal } from '../../../shared/auth';
import type { PriorityMatrix } from '../../../shared/domain/priority';
import { revisionsOf } from '../../../shared/domain/revision';
import type { FieldChange } from '../../../shared/events/incidents';
import {
  type ProblemResolutionCode,
  type ProblemSnapshot,
  ProblemSnapshotSchema,
  type ProblemState,
} from '../../../shared/events/problems';

export {
  PROBLEM_NUMBER_PREFIX,
  type ProblemIncidentLink,
  ProblemIncidentLinkSchema,
  type ProblemResolutionCode,
  ProblemResolutionCodeSchema,
  ProblemResolutionCodes,
  type ProblemSource,
  ProblemSourceSchema,
  ProblemSources,
  type ProblemState,
  ProblemStateSchema,
  ProblemStates,
} from '../../../shared/events/problems';

/** The problem aggregate is exactly the published snapshot. */
export const ProblemSchema = ProblemSnapshotSchema;
export type Problem = ProblemSnapshot;

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

export type { IncidentRef } from '../../../shared/domain/problem-follow-up';

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

const problemRevisions = revisionsOf<Problem>(ProblemSnapshotSchema);

/** Field-level differences for the audit history. */
export const diffProblems = problemRevisions.diff;

/** Applies `fields` as a new version of the problem, with the changes they make. */
export function revise(
  problem: Problem,
  fields: Partial<Problem>,
  now: string,
): { problem: Problem; changes: FieldChange[] } {
  const { revised, changes } = problemRevisions.revise(problem, fields, now);
  return { problem: revised, changes };
}
