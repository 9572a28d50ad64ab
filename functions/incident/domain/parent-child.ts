import type { Principal } from '../../../shared/auth';
import { type FieldIssue, ValidationError } from '../../../shared/errors';
import type { HoldReason, IncidentState } from '../../../shared/events/incidents';
import {
  type Incident,
  type IncidentAction,
  isFinal,
  isOpen,
  type TransitionCommand,
} from './model';

/**
 * Parent/child links are one level deep: a parent groups the incidents caused by one outage.
 * Its children follow some of its transitions, each applied as its own transition by the
 * system (SYSTEM_PRINCIPAL), so every child keeps its own history and events.
 */
export interface ParentTransition {
  /** The parent after the transition. */
  parent: Incident;
  action: IncidentAction;
  from: IncidentState;
  to: IncidentState;
  actor: Principal;
}

/** The reasons children share with their parent; 'Awaiting Caller' concerns one caller only. */
const SHARED_HOLD_REASONS: readonly HoldReason[] = [
  'Awaiting Change',
  'Awaiting Problem',
  'Awaiting Vendor',
];

/**
 * The transition a child follows its parent with, or undefined. Closing the parent leaves its
 * children alone (each caller confirms their own resolution); a reopen cascades only when an
 * agent or admin reopened, since a requester's reopen speaks for their own incident only.
 */
export function childFollowUp(
  change: ParentTransition,
  child: Incident,
): TransitionCommand | undefined {
  const { parent } = change;
  switch (change.action) {
    case 'hold': {
      const reason = parent.holdReason;
      if (reason === undefined || !SHARED_HOLD_REASONS.includes(reason)) return undefined;
      if (!isOpen(child.state) || child.holdReason === reason) return undefined;
      return { action: 'hold', holdReason: reason };
    }
    case 'resolve': {
      if (!isOpen(child.state)) return undefined;
      if (parent.resolutionCode === undefined || parent.resolutionNotes === undefined) {
        throw new Error(`Resolved parent ${parent.id} has no resolution to copy.`);
      }
      return {
        action: 'resolve',
        resolutionCode: parent.resolutionCode,
        resolutionNotes: parent.resolutionNotes,
      };
    }
    case 'reopen': {
      const byStaff =
        change.actor.kind === 'user' &&
        (change.actor.role === 'agent' || change.actor.role === 'admin');
      return byStaff && child.state === 'Resolved' ? { action: 'reopen' } : undefined;
    }
    default:
      return undefined;
  }
}

/** Checks that `child` may be linked under `parent`, naming every reason it may not. */
export function validateParentLink(child: Incident, parent: Incident): void {
  const messages: string[] = [];
  if (child.id === parent.id) messages.push('an incident cannot be its own parent');
  if (parent.parentId !== undefined) {
    messages.push(`${parent.number} is itself a child; links are one level deep`);
  }
  if (child.childCount > 0) {
    messages.push('an incident with children of its own cannot become a child');
  }
  if (isFinal(parent.state)) messages.push(`${parent.number} is ${parent.state}`);
  if (messages.length > 0) {
    throw new ValidationError(
      messages.map((message): FieldIssue => ({ field: 'parentId', message })),
    );
  }
}
