import { v7 as uuidv7 } from 'uuid';
import { type Principal, SYSTEM_PRINCIPAL } from '../../shared/auth';
import { RETIRED_LIFECYCLE_STATE } from '../../shared/db/configuration-item-reference';
import { commentView } from '../../shared/db/journal';
import type { ListPage } from '../../shared/db/listing';
import { numberedAfterChecks } from '../../shared/db/numbers';
import { StaleVersionError } from '../../shared/db/transactions';
import {
  ConflictError,
  ForbiddenError,
  InvalidTransitionError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../shared/errors';
import {
  ChangeApproved,
  ChangeCreated,
  ChangeRejected,
  ChangeStateChanged,
  ChangeSubmittedForAuthorization,
  ChangeUpdated,
} from '../../shared/events/changes';
import type { FieldChange } from '../../shared/events/incidents';
import type { IdempotencyClaim } from '../../shared/idempotency';
import type { RequestContext } from '../../shared/request-context';
import {
  ChangeSet,
  type CommentRecord,
  commentOnce,
  createOnce,
  emptyWork,
  type PendingEvent,
  publicView,
  staleAsConflict,
  withRetries,
} from '../../shared/unit-of-work';
import { changeSettings } from './config';
import {
  type ApprovalDecisionRecord,
  allowedActions,
  assertCanView,
  assertCanWrite,
  type Change,
  type ChangeAction,
  type ChangePatch,
  type ChangeTransitionCommand,
  type ChangeTransitionResult,
  type Conflict,
  canSchedule,
  canView,
  createStandardChange,
  detectConflicts,
  createChange as draftChange,
  isFinal,
  type NewChangeInput,
  type NewStandardChangeInput,
  updateChange as patchChange,
  planApprovals,
  plannedWindow,
  revise,
  transition,
} from './domain';
import { MAX_CALENDAR_DAYS } from './limits';
import { approvalDirectory, assessChangeRisk, planningFor } from './planning';
import {
  allocateChangeNumber,
  bookingsPage,
  type ChangeWork,
  ciGraph,
  commit,
  getChange,
  getChangeByNumber,
  getComment,
  getIdempotencyClaim,
  getIncidentReferences,
  getProblemReferences,
  getTemplate,
  type ListChangesQuery,
  listComments,
  listHistory,
  listChanges as queryChanges,
  type StoredChange,
} from './repository';

/** Numbers look like CHG0001001; anything else addresses the change by id. */
const CHANGE_NUMBER = /^CHG\d{7,}$/i;

const DAY_MS = 24 * 60 * 60 * 1000;

const unique = <T>(values: readonly T[]) => [...new Set(values)];

/** A change use case's writes: revisions, journal, events, and the records of its CIs. */
export class ChangeWrites extends ChangeSet<StoredChange, ChangeWork> {
  constructor(ctx: RequestContext) {
    super(ctx, { ...emptyWork<StoredChange>(), ciRecords: [], ciRemovals: [] }, commit);
  }

  /** Every revision keeps the change's CI records in step: its CIs, and their outcome once closed. */
  override revise(
    before: StoredChange | undefined,
    after: Change,
    action: string,
    changes: FieldChange[],
    events: PendingEvent[],
  ): StoredChange {
    const previous = before?.affectedCis ?? [];
    const closing = after.state === 'Closed' && before?.state !== 'Closed';
    const written = closing
      ? after.affectedCis
      : after.affectedCis.filter((ci) => !previous.includes(ci));
    this.work.ciRecords.push(
      ...written.map((ci) => ({
        changeId: after.id,
        ci,
        createdAt: after.createdAt,
        ...(closing && after.outcome ? { outcome: after.outcome, closedAt: after.closedAt } : {}),
      })),
    );
    this.work.ciRemovals.push(
      ...previous
        .filter((ci) => !after.affectedCis.includes(ci))
        .map((ci) => ({ changeId: after.id, ci })),
    );
    return super.revise(before, after, action, changes, events);
  }
}

/** Strips the internal event sequence from what clients and events see. */
export const snapshot: (stored: StoredChange) => Change = publicView;

function domainContext(ctx: RequestContext) {
  return { now: ctx.now, actor: ctx.principal };
}

async function findChange(idOrNumber: string): Promise<StoredChange | undefined> {
  return CHANGE_NUMBER.test(idOrNumber)
    ? getChangeByNumber(idOrNumber.toUpperCase())
    : getChange(idOrNumber);
}

/** Loads a change the principal may see; to others changes do not exist (404). */
export async function loadVisibleChange(
  idOrNumber: string,
  principal: Principal,
): Promise<StoredChange> {
  const change = canView(principal) ? await findChange(idOrNumber) : undefined;
  if (!change) throw new NotFoundError(`Change ${idOrNumber} does not exist.`);
  return change;
}

/** CIs a change or template names: existing CIs of the CMDB, none retired (400 naming each). */
export async function assertConfigurationItems(
  field: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  const found = new Map((await ciGraph.readNodes(ids)).map((node) => [node.id, node]));
  const issues = ids.flatMap((id) => {
    const state = found.get(id)?.lifecycleState;
    if (state === undefined) {
      return [{ field, message: `configuration item ${id} does not exist` }];
    }
    return state === RETIRED_LIFECYCLE_STATE
      ? [{ field, message: `configuration item ${id} is retired` }]
      : [];
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

/** The ids of the items named by id or number; any unknown one is a 400 naming it. */
async function resolve(
  field: 'linkedIncidents' | 'linkedProblems',
  keys: readonly string[],
): Promise<string[]> {
  const found =
    field === 'linkedIncidents'
      ? await getIncidentReferences(keys)
      : await getProblemReferences(keys);
  const kind = field === 'linkedIncidents' ? 'incident' : 'problem';
  const unknown = keys.filter((key) => !found.has(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((key) => ({ field, message: `${kind} ${key} does not exist` })),
    );
  }
  return unique(keys.map((key) => found.get(key)?.id as string));
}

/** Links given by id or number become ids of existing incidents and problems. */
async function withResolvedLinks<
  T extends { linkedIncidents?: string[]; linkedProblems?: string[] },
>(input: T): Promise<T> {
  const [linkedIncidents, linkedProblems] = await Promise.all([
    input.linkedIncidents && resolve('linkedIncidents', input.linkedIncidents),
    input.linkedProblems && resolve('linkedProblems', input.linkedProblems),
  ]);
  return {
    ...input,
    ...(linkedIncidents ? { linkedIncidents } : {}),
    ...(linkedProblems ? { linkedProblems } : {}),
  };
}

function staleVersion(error: unknown): never {
  if (error instanceof StaleVersionError) {
    throw new PreconditionFailedError('The change was changed by someone else; read it again.');
  }
  throw error;
}

function workNote(change: Change, body: string, ctx: RequestContext) {
  return {
    aggregateId: change.id,
    commentId: uuidv7(),
    visibility: 'internal' as const,
    author: ctx.principal.id,
    body,
    createdAt: ctx.now,
  };
}

/** A normal or emergency change, or a standard one from its template. */
export type CreateChangeInput = NewChangeInput | ({ model: 'standard' } & NewStandardChangeInput);

export interface CreateResult {
  change: Change;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
}

async function draft(input: CreateChangeInput, ctx: RequestContext): Promise<Change> {
  const resolved = await withResolvedLinks(input);
  if (resolved.model !== 'standard') {
    await assertConfigurationItems('affectedCis', resolved.affectedCis ?? []);
    const id = uuidv7();
    return numberedAfterChecks(
      (number) => draftChange(resolved, { id, number }, domainContext(ctx)),
      allocateChangeNumber,
    );
  }
  const { model: _standard, ...standard } = resolved;
  const template = await getTemplate(standard.templateId);
  if (!template) {
    throw new ValidationError([
      { field: 'templateId', message: `template ${standard.templateId} does not exist` },
    ]);
  }
  await assertConfigurationItems('affectedCis', standard.affectedCis ?? template.affectedCis);
  const id = uuidv7();
  return numberedAfterChecks(
    (number) => createStandardChange(template, standard, { id, number }, domainContext(ctx)),
    allocateChangeNumber,
  );
}

/** Creates a change; an Idempotency-Key makes retries return the first one (shared/idempotency.ts). */
export async function createChange(
  input: CreateChangeInput,
  ctx: RequestContext,
  idempotencyKey?: string,
): Promise<CreateResult> {
  assertCanWrite(ctx.principal);
  const { value, replayed } = await createOnce(
    { kind: 'change', ctx, key: idempotencyKey, input },
    {
      findClaim: getIdempotencyClaim,
      replay: async (id) => snapshot(await loadVisibleChange(id, ctx.principal)),
      create: async (claim) => {
        const change = await draft(input, ctx);
        const writes = new ChangeWrites(ctx);
        writes.create(change, claim, [writes.event(ChangeCreated, change, { change })]);
        await writes.commit();
        return change;
      },
    },
  );
  return { change: value, replayed };
}

export async function getChangeForPrincipal(
  idOrNumber: string,
  principal: Principal,
): Promise<Change> {
  return snapshot(await loadVisibleChange(idOrNumber, principal));
}

/** PATCH with If-Match: of several writers on one version exactly one wins, the others get 412. */
export async function updateChange(
  idOrNumber: string,
  patch: ChangePatch,
  ctx: RequestContext,
  checkVersion: (current: Change) => void,
): Promise<Change> {
  // A transaction conflict (another write in flight) is retried: the re-read then tells
  // whether the client's version is still current.
  return withRetries(async () => {
    const current = await loadVisibleChange(idOrNumber, ctx.principal);
    checkVersion(current);
    assertCanWrite(ctx.principal);
    const resolved = await withResolvedLinks(patch);
    await assertConfigurationItems(
      'affectedCis',
      (resolved.affectedCis ?? []).filter((ci) => !current.affectedCis.includes(ci)),
    );
    const { change: next, changes: fieldChanges } = patchChange(
      snapshot(current),
      resolved,
      domainContext(ctx),
    );
    if (fieldChanges.length === 0) return snapshot(current);
    const writes = new ChangeWrites(ctx);
    writes.revise(current, next, 'update', fieldChanges, [
      writes.event(ChangeUpdated, next, { change: next, changes: fieldChanges }),
    ]);
    await writes.commit().catch(staleVersion);
    return next;
  });
}

/**
 * A transition as a client asks for it: what the use case computes (risk, approval plan,
 * conflicts) is left out, and approve and reject are the approval workflow's
 * (recordAuthorization).
 */
export type ChangeTransitionRequest =
  | { action: 'assess'; comment?: string }
  | { action: 'requestAuthorization'; overrideReason?: string; comment?: string }
  | { action: 'approve'; comment?: string }
  | { action: 'reject'; comment?: string }
  | { action: 'schedule'; comment?: string }
  | Extract<
      ChangeTransitionCommand,
      { action: 'implement' | 'review' | 'close' | 'cancel' | 'revertToNew' }
    >;

/**
 * The request is allowed in the change's state (409 with the allowed actions otherwise),
 * checked before anything is computed for it.
 */
function assertAllowed(change: Change, action: ChangeAction, principal: Principal): void {
  const allowed = allowedActions(change, principal);
  if (!allowed.includes(action)) throw new InvalidTransitionError(action, change.state, allowed);
}

/** The domain command: the request with what its action needs computed from storage and the CMDB. */
async function commandFor(
  change: Change,
  request: ChangeTransitionRequest,
  ctx: RequestContext,
): Promise<ChangeTransitionCommand> {
  if (request.action === 'approve' || request.action === 'reject') {
    throw new ForbiddenError(
      `Only the approval workflow may ${request.action} a change; approvers vote on its approvals.`,
    );
  }
  assertCanWrite(ctx.principal);
  switch (request.action) {
    case 'assess': {
      assertAllowed(change, request.action, ctx.principal);
      const planning = await planningFor([change]);
      return { ...request, risk: await assessChangeRisk(change, planning, ctx.now) };
    }
    case 'requestAuthorization': {
      assertAllowed(change, request.action, ctx.principal);
      const planning = await planningFor([change]);
      const risk = await assessChangeRisk(change, planning, ctx.now);
      const plan = planApprovals(
        change,
        risk,
        approvalDirectory(change, planning),
        changeSettings.approvalPolicies,
        ctx.now,
      );
      return { ...request, risk, plan, conflicts: detectConflicts(change, planning.conflicts) };
    }
    case 'schedule': {
      assertAllowed(change, request.action, ctx.principal);
      const planning = await planningFor([change]);
      return { ...request, conflicts: detectConflicts(change, planning.conflicts) };
    }
    default:
      return request;
  }
}

/**
 * Writes a transition with its events: ChangeStateChanged always, and the one that announces
 * what it means (submitted for authorization with the plan; approved or rejected with the
 * decision as recorded, which an approval refused by a blackout turns into a rejection).
 */
async function writeTransition(
  current: StoredChange,
  action: ChangeAction,
  result: ChangeTransitionResult,
  ctx: RequestContext,
): Promise<Change> {
  const next = result.change;
  const writes = new ChangeWrites(ctx);
  if (result.workNote) writes.comment(workNote(next, result.workNote, ctx));
  const events = [
    writes.event(ChangeStateChanged, next, {
      change: next,
      action,
      from: result.from,
      to: result.to,
    }),
  ];
  if (result.plan) {
    events.push(
      writes.event(ChangeSubmittedForAuthorization, next, { change: next, plan: result.plan }),
    );
  }
  if (result.authorization) {
    const decided = result.authorization.outcome === 'approved' ? ChangeApproved : ChangeRejected;
    events.push(writes.event(decided, next, { change: next, decision: result.authorization }));
  }
  writes.revise(current, next, action, result.changes, events);
  await writes.commit();
  return next;
}

/**
 * Applies a transition. With If-Match it must be based on that version (412 otherwise);
 * without, a transition that lost a race is decided again on fresh data.
 */
export async function transitionChange(
  idOrNumber: string,
  request: ChangeTransitionRequest,
  ctx: RequestContext,
  checkVersion?: (current: Change) => void,
): Promise<Change> {
  const attempt = async () => {
    const current = await loadVisibleChange(idOrNumber, ctx.principal);
    checkVersion?.(current);
    const command = await commandFor(snapshot(current), request, ctx);
    const result = transition(snapshot(current), command, domainContext(ctx));
    return writeTransition(current, command.action, result, ctx).catch((error) => {
      if (checkVersion && error instanceof StaleVersionError) throw error;
      return staleAsConflict(error);
    });
  };
  return withRetries(attempt).catch(staleVersion);
}

/**
 * Records the approval workflow's decision on the change's authorization, as the system:
 * approve (checked against the schedule again: a blackout that appeared meanwhile turns it
 * into a rejection) or reject, through the domain; publishes ChangeApproved or ChangeRejected.
 * Idempotent: once the decision of `planId` is recorded, a repeated call changes nothing and
 * returns the change. A decision for another plan, or on a change no longer under
 * authorization (canceled), is a 409.
 */
export async function recordAuthorization(
  changeId: string,
  planId: string,
  decision: ApprovalDecisionRecord,
  now: string,
): Promise<Change> {
  if (decision.planId !== planId) {
    throw new ValidationError([{ field: 'decision.planId', message: `must be ${planId}` }]);
  }
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, now };
  return withRetries(async () => {
    const current = await getChange(changeId);
    if (!current) throw new NotFoundError(`Change ${changeId} does not exist.`);
    if (current.approval?.planId === planId) return snapshot(current);
    const change = snapshot(current);
    const command: ChangeTransitionCommand =
      decision.outcome === 'approved'
        ? {
            action: 'approve',
            decision,
            conflicts: detectConflicts(change, (await planningFor([change])).conflicts),
          }
        : { action: 'reject', decision };
    const result = transition(change, command, domainContext(ctx));
    return writeTransition(current, command.action, result, ctx).catch(staleAsConflict);
  });
}

export interface ChangeConflicts {
  change: Pick<Change, 'id' | 'number' | 'state'>;
  window?: { start: string; end: string };
  conflicts: Conflict[];
  /** A blackout stands in the way of scheduling, and no recorded override covers it. */
  blocked: boolean;
  /** Why it is blocked. */
  reasons: string[];
}

/** The change's conflicts with the stored schedule, as they stand now. */
export async function conflictsOfChange(
  idOrNumber: string,
  principal: Principal,
): Promise<ChangeConflicts> {
  const change = snapshot(await loadVisibleChange(idOrNumber, principal));
  const conflicts = detectConflicts(change, (await planningFor([change])).conflicts);
  const verdict = canSchedule(change, conflicts);
  const window = plannedWindow(change);
  return {
    change: { id: change.id, number: change.number, state: change.state },
    ...(window ? { window } : {}),
    conflicts,
    blocked: !verdict.allowed,
    reasons: verdict.allowed ? [] : verdict.reasons,
  };
}

export interface CalendarEntry {
  change: Change;
  conflicts: Conflict[];
}

/**
 * A page of the schedule between `from` and `to` (at most MAX_CALENDAR_DAYS): the changes
 * holding their window (Authorize to Implement) that overlap it, by planned start, each with
 * its conflicts.
 */
export async function calendar(
  range: { from: string; to: string },
  page: ListPage,
  principal: Principal,
): Promise<{ items: CalendarEntry[]; cursor: string | null }> {
  assertCanView(principal);
  const span = Date.parse(range.to) - Date.parse(range.from);
  if (span <= 0) throw new ValidationError([{ field: 'query.to', message: 'must be after from' }]);
  if (span > MAX_CALENDAR_DAYS * DAY_MS) {
    throw new ValidationError([
      { field: 'query.to', message: `must be at most ${MAX_CALENDAR_DAYS} days after from` },
    ]);
  }
  const booked = await bookingsPage({ start: range.from, end: range.to }, page);
  const changes = booked.items.map(snapshot);
  const planning = await planningFor(changes);
  return {
    items: changes.map((change) => ({
      change,
      conflicts: detectConflicts(change, planning.conflicts),
    })),
    cursor: booked.cursor,
  };
}

/**
 * Adds a work note (changes are internal: every comment is one), once per Idempotency-Key;
 * final changes are read-only.
 */
export function addComment(
  idOrNumber: string,
  body: string,
  ctx: RequestContext,
  idempotencyKey?: string,
) {
  return commentOnce(
    { kind: 'change', ctx, key: idempotencyKey, input: { change: idOrNumber, body } },
    {
      findClaim: getIdempotencyClaim,
      load: () => loadVisibleChange(idOrNumber, ctx.principal),
      findComment: getComment,
      write: (current, commentId, claim) =>
        commitWorkNote(current, { commentId, body }, ctx, claim),
    },
  );
}

async function commitWorkNote(
  current: StoredChange,
  note: { commentId: string; body: string },
  ctx: RequestContext,
  claim: IdempotencyClaim | undefined,
): Promise<CommentRecord> {
  assertCanWrite(ctx.principal);
  if (isFinal(current.state)) throw new ConflictError(`A ${current.state} change is read-only.`);
  const { change: next } = revise(snapshot(current), {}, ctx.now);
  const record = { ...workNote(next, note.body, ctx), commentId: note.commentId };
  const writes = new ChangeWrites(ctx);
  if (claim) writes.idempotent(claim);
  writes.comment(record);
  writes.revise(
    current,
    next,
    'work-note',
    [],
    [writes.event(ChangeUpdated, next, { change: next, changes: [] })],
  );
  await writes.commit().catch(staleAsConflict);
  return record;
}

/** Lists changes (repository.ts explains which index serves which filters). */
export async function listChanges(
  query: ListChangesQuery,
  principal: Principal,
): Promise<{ items: Change[]; cursor: string | null }> {
  assertCanView(principal);
  const page = await queryChanges(query);
  return { items: page.items.map(snapshot), cursor: page.cursor };
}

export async function listChangeComments(idOrNumber: string, page: ListPage, principal: Principal) {
  const change = await loadVisibleChange(idOrNumber, principal);
  const result = await listComments(change.id, page);
  return { items: result.items.map(commentView), cursor: result.cursor };
}

export async function listChangeHistory(idOrNumber: string, page: ListPage, principal: Principal) {
  const change = await loadVisibleChange(idOrNumber, principal);
  const result = await listHistory(change.id, page);
  return {
    items: result.items.map(({ aggregateId: _id, ...entry }) => entry),
    cursor: result.cursor,
  };
}
