import type { Principal } from '../../../shared/auth';
import { revisionsOf } from '../../../shared/domain/revision';
import type {
  ApprovalDecisionRecord,
  ApprovalPlan,
  ChangeOutcome,
  ChangeSnapshot,
  ChangeState,
  Conflict,
  RiskAssessment,
} from '../../../shared/events/changes';
import { ChangeSnapshotSchema } from '../../../shared/events/changes';
import type { FieldChange } from '../../../shared/events/incidents';

export {
  type ApprovalDecisionRecord,
  type ApprovalPath,
  type ApprovalPlan,
  type ApprovalPolicy,
  type ApprovalRule,
  type Approver,
  CHANGE_NUMBER_PREFIX,
  type ChangeModel,
  ChangeModels,
  type ChangeOutcome,
  ChangeOutcomes,
  type ChangeState,
  ChangeStateModels,
  ChangeStates,
  type Conflict,
  type ConflictKind,
  ConflictKinds,
  type ConflictOverride,
  isSuccessfulOutcome,
  RELEASE_NUMBER_PREFIX,
  type RiskAssessment,
  RiskFactors,
  type RiskLevel,
  RiskLevels,
  type Vote,
} from '../../../shared/events/changes';

/** The change aggregate is exactly the published snapshot. */
export const ChangeSchema = ChangeSnapshotSchema;
export type Change = ChangeSnapshot;

export const FinalStates = ['Closed', 'Canceled'] as const satisfies ChangeState[];

export function isFinal(state: ChangeState): boolean {
  return (FinalStates as readonly ChangeState[]).includes(state);
}

export interface DomainContext {
  /** ISO-8601 instant; the domain never reads a clock. */
  now: string;
  actor: Principal;
}

export interface NewChangeInput {
  model: 'normal' | 'emergency';
  shortDescription: string;
  description?: string;
  category?: string;
  plannedStart?: string;
  plannedEnd?: string;
  implementationPlan?: string;
  backoutPlan?: string;
  testPlan?: string;
  affectedCis?: string[];
  assignmentGroup?: string;
  assignee?: string;
  linkedProblems?: string[];
  linkedIncidents?: string[];
}

/** A standard change takes its plans (and, unless given, its texts and CIs) from the template. */
export interface NewStandardChangeInput {
  templateId: string;
  shortDescription?: string;
  description?: string;
  plannedStart?: string;
  plannedEnd?: string;
  affectedCis?: string[];
  assignmentGroup?: string;
  assignee?: string;
  linkedProblems?: string[];
  linkedIncidents?: string[];
}

/** A PATCH body: absent leaves a field alone, `null` clears an optional field. */
export type ChangePatch = {
  shortDescription?: string;
  description?: string | null;
  category?: string | null;
  plannedStart?: string | null;
  plannedEnd?: string | null;
  implementationPlan?: string | null;
  backoutPlan?: string | null;
  testPlan?: string | null;
  affectedCis?: string[];
  assignmentGroup?: string | null;
  assignee?: string | null;
  linkedProblems?: string[];
  linkedIncidents?: string[];
};

export const ChangePatchFields = [
  'shortDescription',
  'description',
  'category',
  'plannedStart',
  'plannedEnd',
  'implementationPlan',
  'backoutPlan',
  'testPlan',
  'affectedCis',
  'assignmentGroup',
  'assignee',
  'linkedProblems',
  'linkedIncidents',
] as const satisfies readonly (keyof ChangePatch)[];

export const ChangeActions = [
  'assess',
  'requestAuthorization',
  'approve',
  'reject',
  'schedule',
  'implement',
  'review',
  'close',
  'cancel',
  'revertToNew',
] as const;
export type ChangeAction = (typeof ChangeActions)[number];

/**
 * `comment` is kept as a work note in the same transaction as the transition. Risk, approval
 * plan, conflicts and decisions are computed by the use case (they need the CMDB, the calendar
 * and the votes) with the pure functions of this module, and handed in.
 */
export type ChangeTransitionCommand =
  | { action: 'assess'; risk: RiskAssessment; comment?: string }
  | {
      action: 'requestAuthorization';
      risk: RiskAssessment;
      plan: ApprovalPlan;
      conflicts: readonly Conflict[];
      /** Why an emergency change goes ahead in a blackout window. */
      overrideReason?: string;
      comment?: string;
    }
  | {
      action: 'approve';
      decision: ApprovalDecisionRecord;
      /** Detected again at the decision: the calendar may have changed while approving. */
      conflicts: readonly Conflict[];
      comment?: string;
    }
  | { action: 'reject'; decision: ApprovalDecisionRecord; comment?: string }
  | { action: 'schedule'; conflicts: readonly Conflict[]; comment?: string }
  | { action: 'implement'; comment?: string }
  | { action: 'review'; outcome: ChangeOutcome; outcomeNotes?: string; comment?: string }
  | { action: 'close'; closeNotes?: string; comment?: string }
  | { action: 'cancel'; reason: string; comment?: string }
  | { action: 'revertToNew'; comment?: string };

const changeRevisions = revisionsOf<Change>(ChangeSnapshotSchema);

/** Field-level differences for the audit history. */
export const diffChanges = changeRevisions.diff;

/** Applies `fields` as a new version of the change, with the changes they make. */
export function revise(
  change: Change,
  fields: Partial<Change>,
  now: string,
): { change: Change; changes: FieldChange[] } {
  const { revised, changes } = changeRevisions.revise(change, fields, now);
  return { change: revised, changes };
}

/** The planned window, when both ends are set. */
export function plannedWindow(change: Change): { start: string; end: string } | undefined {
  return change.plannedStart !== undefined && change.plannedEnd !== undefined
    ? { start: change.plannedStart, end: change.plannedEnd }
    : undefined;
}
