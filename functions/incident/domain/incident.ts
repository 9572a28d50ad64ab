import { derivePriority } from '../../../shared/domain/priority';
import { ConflictError, type FieldIssue, ValidationError } from '../../../shared/errors';
import type { FieldChange } from '../../../shared/events/incidents';
import {
  assertCanCreate,
  assertCanUpdate,
  assertNoForbiddenFields,
  forbiddenCreateFields,
  forbiddenPatchFields,
} from './access';
import {
  type Incident,
  type IncidentPatch,
  IncidentPatchFields,
  type NewIncidentInput,
  type PriorityContext,
  revise,
  withoutUndefined,
} from './model';

/** Impact and urgency default to Low, so an untriaged incident does not jump the queue. */
const DEFAULT_IMPACT = 3;
const DEFAULT_URGENCY = 3;

function assigneeIssues(incident: Incident): FieldIssue[] {
  return incident.assignee !== undefined && incident.assignmentGroup === undefined
    ? [{ field: 'assignee', message: 'requires an assignment group' }]
    : [];
}

/**
 * A new incident in state New. The parent link, if any, is checked by the caller with
 * `validateParentLink`, which needs the parent.
 */
export function createIncident(
  input: NewIncidentInput,
  ids: { id: string; number: string },
  ctx: PriorityContext,
): Incident {
  assertCanCreate(ctx.actor);
  assertNoForbiddenFields(input, forbiddenCreateFields(ctx.actor), ctx.actor);
  const impact = input.impact ?? DEFAULT_IMPACT;
  const urgency = input.urgency ?? DEFAULT_URGENCY;
  const incident = withoutUndefined<Incident>({
    id: ids.id,
    number: ids.number,
    shortDescription: input.shortDescription,
    description: input.description,
    caller: input.caller ?? ctx.actor.id,
    category: input.category,
    impact,
    urgency,
    priority: derivePriority(ctx.priorityMatrix, impact, urgency),
    configurationItem: input.configurationItem,
    assignmentGroup: input.assignmentGroup,
    assignee: input.assignee,
    channel: input.channel ?? (ctx.actor.kind === 'client' ? 'api' : 'portal'),
    state: 'New',
    parentId: input.parentId,
    childCount: 0,
    openedBy: ctx.actor.id,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    version: 1,
  });
  const issues = assigneeIssues(incident);
  if (issues.length > 0) throw new ValidationError(issues);
  return incident;
}

export interface UpdateResult {
  incident: Incident;
  changes: FieldChange[];
  /** Whether the assignment group or assignee changed, for the IncidentAssigned event. */
  assignmentChanged: boolean;
}

/**
 * Applies a PATCH. Priority is re-derived only when impact or urgency change, so an unrelated
 * edit never moves an incident's priority (and its SLA) because the matrix was reconfigured.
 * Moving an incident to another group, or out of any group, clears its assignee unless the same
 * patch names one: the assignee works within the group.
 */
export function updateIncident(
  incident: Incident,
  patch: IncidentPatch,
  ctx: PriorityContext,
): UpdateResult {
  assertNoForbiddenFields(patch, forbiddenPatchFields(ctx.actor), ctx.actor);
  assertCanUpdate(ctx.actor);
  if (incident.state === 'Closed' || incident.state === 'Canceled') {
    throw new ConflictError(`A ${incident.state} incident is read-only.`);
  }
  if (incident.state === 'Resolved') {
    throw new ConflictError('A Resolved incident takes only comments; reopen it to change it.');
  }

  const patched: Incident = { ...incident };
  for (const field of IncidentPatchFields) {
    const value = patch[field];
    if (value !== undefined) Object.assign(patched, { [field]: value ?? undefined });
  }
  const groupMoved = patched.assignmentGroup !== incident.assignmentGroup;
  if (groupMoved && patch.assignee === undefined) patched.assignee = undefined;
  if (patched.impact !== incident.impact || patched.urgency !== incident.urgency) {
    patched.priority = derivePriority(ctx.priorityMatrix, patched.impact, patched.urgency);
  }

  const issues = assigneeIssues(patched);
  const losesGroup =
    incident.assignmentGroup !== undefined && patched.assignmentGroup === undefined;
  if (losesGroup && (incident.state === 'In Progress' || incident.state === 'On Hold')) {
    issues.push({
      field: 'assignmentGroup',
      message: `cannot be cleared while the incident is ${incident.state}`,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const { incident: revised, changes } = revise(incident, patched, ctx.now);
  if (changes.length === 0) return { incident, changes: [], assignmentChanged: false };
  return {
    incident: revised,
    changes,
    assignmentChanged: changes.some(
      (change) => change.field === 'assignmentGroup' || change.field === 'assignee',
    ),
  };
}
