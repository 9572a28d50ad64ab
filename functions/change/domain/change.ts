import { isBlank, withoutUndefined } from '../../../shared/domain/values';
import { ConflictError, type FieldIssue, ValidationError } from '../../../shared/errors';
import type { FieldChange } from '../../../shared/events/incidents';
import { assertCanWrite } from './access';
import {
  type Change,
  type ChangePatch,
  ChangePatchFields,
  type ChangeState,
  type DomainContext,
  isFinal,
  type NewChangeInput,
  type NewStandardChangeInput,
  revise,
} from './model';
import type { ChangeTemplate } from './templates';

export interface ChangeIds {
  id: string;
  number: string;
}

/** What authorization approves (or a standard template pre-approves): fixed from then on. */
const AUTHORIZED_FIELDS = [
  'plannedStart',
  'plannedEnd',
  'affectedCis',
  'implementationPlan',
  'backoutPlan',
  'testPlan',
] as const satisfies readonly (keyof ChangePatch)[];

/** The template's approved procedure, which a standard change follows as is. */
const TEMPLATE_FIELDS = [
  'implementationPlan',
  'backoutPlan',
  'testPlan',
] as const satisfies readonly (keyof ChangePatch)[];

const AUTHORIZED_STATES: readonly ChangeState[] = ['Authorize', 'Scheduled', 'Implement', 'Review'];

function unique(values: readonly string[] | undefined): string[] {
  return [...new Set(values ?? [])];
}

/** The invariants every version of a change keeps, whatever changed it. */
function invariantIssues(change: Change): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (change.assignee !== undefined && change.assignmentGroup === undefined) {
    issues.push({ field: 'assignee', message: 'requires an assignment group' });
  }
  if (
    change.plannedStart !== undefined &&
    change.plannedEnd !== undefined &&
    Date.parse(change.plannedEnd) <= Date.parse(change.plannedStart)
  ) {
    issues.push({ field: 'plannedEnd', message: 'must be after plannedStart' });
  }
  if (change.model === 'standard') {
    if (change.templateId === undefined) {
      issues.push({ field: 'templateId', message: 'is required for a standard change' });
    }
    for (const field of TEMPLATE_FIELDS) {
      if (isBlank(change[field])) {
        issues.push({ field, message: 'is required: a standard change follows its template' });
      }
    }
  }
  return issues;
}

function validated(change: Change): Change {
  const issues = invariantIssues(change);
  if (issues.length > 0) throw new ValidationError(issues);
  return change;
}

function newChange(
  fields: Omit<
    Change,
    'id' | 'number' | 'state' | 'openedBy' | 'createdAt' | 'updatedAt' | 'version'
  >,
  ids: ChangeIds,
  ctx: DomainContext,
): Change {
  return validated(
    withoutUndefined<Change>({
      id: ids.id,
      number: ids.number,
      state: 'New',
      ...fields,
      affectedCis: unique(fields.affectedCis),
      linkedProblems: unique(fields.linkedProblems),
      linkedIncidents: unique(fields.linkedIncidents),
      openedBy: ctx.actor.id,
      createdAt: ctx.now,
      updatedAt: ctx.now,
      version: 1,
    }),
  );
}

/** A new normal or emergency change in state New. */
export function createChange(input: NewChangeInput, ids: ChangeIds, ctx: DomainContext): Change {
  assertCanWrite(ctx.actor);
  return newChange(
    {
      ...input,
      affectedCis: input.affectedCis ?? [],
      linkedProblems: input.linkedProblems ?? [],
      linkedIncidents: input.linkedIncidents ?? [],
    },
    ids,
    ctx,
  );
}

/**
 * A new standard change from an active template: the template's plans, and its texts,
 * category and CIs unless the input names its own.
 */
export function createStandardChange(
  template: ChangeTemplate,
  input: NewStandardChangeInput,
  ids: ChangeIds,
  ctx: DomainContext,
): Change {
  assertCanWrite(ctx.actor);
  if (input.templateId !== template.id) {
    throw new ValidationError([
      { field: 'templateId', message: `names ${input.templateId}, not ${template.id}` },
    ]);
  }
  if (!template.active) {
    throw new ConflictError(`Template ${template.name} is retired: it makes no new changes.`);
  }
  return newChange(
    {
      model: 'standard',
      templateId: template.id,
      shortDescription: input.shortDescription ?? template.shortDescription,
      description: input.description ?? template.description,
      category: template.category,
      plannedStart: input.plannedStart,
      plannedEnd: input.plannedEnd,
      implementationPlan: template.implementationPlan,
      backoutPlan: template.backoutPlan,
      testPlan: template.testPlan,
      affectedCis: input.affectedCis ?? template.affectedCis,
      assignmentGroup: input.assignmentGroup,
      assignee: input.assignee,
      linkedProblems: input.linkedProblems ?? [],
      linkedIncidents: input.linkedIncidents ?? [],
    },
    ids,
    ctx,
  );
}

export interface ChangeUpdateResult {
  change: Change;
  changes: FieldChange[];
}

function isOneOf(list: readonly string[], value: string): boolean {
  return list.includes(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Applies a PATCH. Closed and Canceled changes are read-only. From the request for
 * authorization on, what was authorized (window, CIs, plans) is fixed: replanning means
 * reverting to New (or canceling), so nothing runs that was not approved as it runs. A
 * standard change never alters its template's plans. Moving the change to another group
 * clears its assignee unless the same patch names one; from Assess on, the group and the CIs
 * cannot be cleared.
 */
export function updateChange(
  change: Change,
  patch: ChangePatch,
  ctx: DomainContext,
): ChangeUpdateResult {
  assertCanWrite(ctx.actor);
  if (isFinal(change.state)) throw new ConflictError(`A ${change.state} change is read-only.`);

  const touched = ChangePatchFields.filter(
    (field) => patch[field] !== undefined && !sameValue(patch[field] ?? undefined, change[field]),
  );
  const fromTemplate =
    change.model === 'standard' ? touched.filter((field) => isOneOf(TEMPLATE_FIELDS, field)) : [];
  if (fromTemplate.length > 0) {
    throw new ConflictError(
      `${fromTemplate.join(', ')} cannot change: a standard change follows its template.`,
    );
  }
  const authorized = AUTHORIZED_STATES.includes(change.state)
    ? touched.filter((field) => isOneOf(AUTHORIZED_FIELDS, field))
    : [];
  if (authorized.length > 0) {
    throw new ConflictError(
      `${authorized.join(', ')} cannot change once the change is submitted or scheduled: revert it to New to replan it.`,
    );
  }

  const patched: Change = { ...change };
  for (const field of touched) {
    const value = patch[field];
    Object.assign(patched, {
      [field]: Array.isArray(value) ? unique(value) : (value ?? undefined),
    });
  }
  if (patched.assignmentGroup !== change.assignmentGroup && patch.assignee === undefined) {
    patched.assignee = undefined;
  }

  const issues = invariantIssues(patched);
  if (change.state !== 'New') {
    if (patched.assignmentGroup === undefined) {
      issues.push({ field: 'assignmentGroup', message: `cannot be cleared in ${change.state}` });
    }
    if (patched.affectedCis.length === 0) {
      issues.push({ field: 'affectedCis', message: `cannot be emptied in ${change.state}` });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const revised = revise(change, patched, ctx.now);
  return revised.changes.length === 0 ? { change, changes: [] } : revised;
}

export type Readiness = 'assess' | 'authorization' | 'schedule';

/**
 * What a change lacks to be assessed, submitted for authorization (normal, emergency) or
 * scheduled (standard). Assessing needs the CIs and a group to own the work; authorizing and
 * scheduling need the whole plan: the window (not yet over; for a normal change, not yet
 * begun, since its approval takes time), implementation and backout plans, and a test plan
 * except in an emergency.
 */
export function readinessIssues(change: Change, purpose: Readiness, now: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const need = (field: string, message: string) => issues.push({ field, message });
  if (change.affectedCis.length === 0) need('affectedCis', `at least one CI is required`);
  if (change.assignmentGroup === undefined) need('assignmentGroup', 'is required');
  if (purpose === 'assess') return issues;

  if (change.plannedStart === undefined) need('plannedStart', 'is required');
  if (change.plannedEnd === undefined) need('plannedEnd', 'is required');
  else if (Date.parse(change.plannedEnd) <= Date.parse(now)) need('plannedEnd', 'is already past');
  if (
    change.model === 'normal' &&
    change.plannedStart !== undefined &&
    Date.parse(change.plannedStart) <= Date.parse(now)
  ) {
    need('plannedStart', 'must be in the future: a normal change is approved before it starts');
  }
  if (isBlank(change.implementationPlan)) need('implementationPlan', 'is required');
  if (isBlank(change.backoutPlan)) need('backoutPlan', 'is required');
  if (change.model !== 'emergency' && isBlank(change.testPlan)) need('testPlan', 'is required');
  return issues;
}
