import { v7 as uuidv7 } from 'uuid';
import type { Principal } from '../../shared/auth';
import { assertConfigurationItemReference } from '../../shared/db/configuration-item-reference';
import { commentView } from '../../shared/db/journal';
import type { ListPage } from '../../shared/db/listing';
import { numberedAfterChecks } from '../../shared/db/numbers';
import { StaleVersionError, TransactionConflictError } from '../../shared/db/transactions';
import {
  type IncidentFollowUp,
  incidentFollowUp,
  type ProblemTransition,
} from '../../shared/domain/problem-follow-up';
import { withoutUndefined } from '../../shared/domain/values';
import { ForbiddenError, NotFoundError, PreconditionFailedError } from '../../shared/errors';
import type { Actor } from '../../shared/events/envelope';
import {
  IncidentAssigned,
  IncidentCommented,
  IncidentCreated,
  IncidentStateChanged,
  IncidentUpdated,
} from '../../shared/events/incidents';
import type { ProblemSnapshot } from '../../shared/events/problems';
import { type IdempotencyClaim, workNoteClaim, workNoteRequest } from '../../shared/idempotency';
import type { RequestContext } from '../../shared/request-context';
import {
  ChangeSet,
  type CommentRecord,
  commentOnce,
  createOnce,
  emptyWork,
  type HistoryEntry,
  publicView,
  staleAsConflict,
  withRetries,
} from '../../shared/unit-of-work';
import { config } from './config';
import {
  updateIncident as applyPatch,
  assertCanComment,
  assertCanCreate,
  assertCanList,
  assertCanUpdate,
  assertNoForbiddenFields,
  autoCloseCutoff,
  canView,
  childFollowUp,
  commentEffect,
  createIncident as draftIncident,
  forbiddenCreateFields,
  forbiddenPatchFields,
  type Incident,
  type IncidentPatch,
  isOpen,
  type NewIncidentInput,
  type ParentTransition,
  revise,
  SYSTEM_PRINCIPAL,
  type TransitionCommand,
  transition,
  validateParentLink,
} from './domain';
import {
  allocateIncidentNumber,
  commit,
  getComment,
  getConfigurationItemState,
  getIdempotencyRecord,
  getIncident,
  getIncidentByNumber,
  getProblemReference,
  type ListIncidentsQuery,
  listComments,
  listHistory,
  listProblemIncidentIds,
  listResolvedBefore,
  listIncidents as queryIncidents,
  type StoredIncident,
} from './repository';

/** Numbers look like INC0001001; anything else addresses the incident by id. */
const INCIDENT_NUMBER = /^INC\d{7,}$/i;

/** The principal an event's actor stood for, as far as the event tells (no scopes). */
export function principalOf(actor: Actor): Principal {
  if (actor.kind === 'system') return SYSTEM_PRINCIPAL;
  return {
    id: actor.id,
    kind: actor.kind === 'user' ? 'user' : 'client',
    role: actor.role,
    scopes: new Set(),
  };
}

/** A change set of incidents, committed by the incident repository. */
function changeSet(ctx: RequestContext): ChangeSet<StoredIncident> {
  return new ChangeSet(ctx, emptyWork(), commit);
}

/** Strips the internal event sequence from what clients and events see. */
export const snapshot: (stored: StoredIncident) => Incident = publicView;

async function findIncident(idOrNumber: string): Promise<StoredIncident | undefined> {
  return INCIDENT_NUMBER.test(idOrNumber)
    ? getIncidentByNumber(idOrNumber.toUpperCase())
    : getIncident(idOrNumber);
}

/** Loads an incident the principal may see; foreign and unknown incidents look the same (404). */
export async function loadVisibleIncident(
  idOrNumber: string,
  principal: Principal,
): Promise<StoredIncident> {
  const incident = await findIncident(idOrNumber);
  if (!incident || !canView(incident, principal)) {
    throw new NotFoundError(`Incident ${idOrNumber} does not exist.`);
  }
  return incident;
}

function assertConfigurationItem(id: string | null | undefined): Promise<void> {
  return assertConfigurationItemReference(id, getConfigurationItemState);
}

export interface CreateResult {
  incident: Incident;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
}

/**
 * Creates an incident. With an Idempotency-Key the key is claimed in the same transaction as
 * the incident (shared/idempotency.ts): a retry or a concurrent duplicate returns the first
 * incident; the same key with another body is refused.
 */
export async function createIncident(
  input: NewIncidentInput,
  ctx: RequestContext,
  idempotencyKey?: string,
): Promise<CreateResult> {
  assertCanCreate(ctx.principal);
  assertNoForbiddenFields(input, forbiddenCreateFields(ctx.principal), ctx.principal);
  const { value, replayed } = await createOnce(
    { kind: 'incident', ctx, key: idempotencyKey, input },
    {
      findClaim: getIdempotencyRecord,
      replay: async (id) => {
        const existing = await getIncident(id);
        if (!existing) throw new NotFoundError(`Incident ${id} does not exist.`);
        return snapshot(existing);
      },
      create: async (claim) => {
        await assertConfigurationItem(input.configurationItem);
        const parent = input.parentId
          ? await loadVisibleIncident(input.parentId, ctx.principal)
          : undefined;
        const id = uuidv7();
        const incident = await numberedAfterChecks((number) => {
          const draft = draftIncident(
            { ...input, ...(parent ? { parentId: parent.id } : {}) },
            { id, number },
            { ...ctx, actor: ctx.principal, priorityMatrix: config.PRIORITY_MATRIX },
          );
          if (parent) validateParentLink(draft, parent);
          return draft;
        }, allocateIncidentNumber);

        const changes = changeSet(ctx);
        changes.create(incident, claim, [changes.event(IncidentCreated, incident, { incident })]);
        if (parent) adjustChildCount(changes, parent, +1, ctx);
        // The parent changed under us: decide again on fresh data.
        await changes.commit().catch(staleAsConflict);
        return incident;
      },
    },
  );
  return { incident: value, replayed };
}

export async function getIncidentForPrincipal(
  idOrNumber: string,
  principal: Principal,
): Promise<Incident> {
  return snapshot(await loadVisibleIncident(idOrNumber, principal));
}

function staleVersion(error: unknown): never {
  if (error instanceof StaleVersionError) {
    throw new PreconditionFailedError('The incident was changed by someone else; read it again.');
  }
  throw error;
}

/**
 * Updates fields (PATCH). `checkVersion` enforces If-Match; the write is conditional on the
 * version read, so of several concurrent writers with the same version exactly one wins.
 * A `parentId` change links or unlinks the incident and updates both parents' child counts
 * in the same transaction.
 */
export async function updateIncident(
  idOrNumber: string,
  patch: IncidentPatch & { parentId?: string | null },
  ctx: RequestContext,
  checkVersion: (current: Incident) => void,
): Promise<Incident> {
  const { parentId, ...fields } = patch;
  const forbidden = forbiddenPatchFields(ctx.principal);
  assertNoForbiddenFields(
    patch,
    parentId !== undefined && ctx.principal.role === 'requester'
      ? [...forbidden, 'parentId']
      : forbidden,
    ctx.principal,
  );
  return withRetries(async () => {
    const current = await loadVisibleIncident(idOrNumber, ctx.principal);
    assertCanUpdate(ctx.principal);
    checkVersion(current);
    if (fields.configurationItem !== current.configurationItem) {
      await assertConfigurationItem(fields.configurationItem);
    }
    const patched = applyPatch(snapshot(current), fields, {
      ...ctx,
      actor: ctx.principal,
      priorityMatrix: config.PRIORITY_MATRIX,
    });
    const relink =
      parentId === undefined ? undefined : await parentChange(current, parentId, ctx.principal);
    let next = patched.incident;
    let fieldChanges = patched.changes;
    if (relink) {
      const base = fieldChanges.length > 0 ? next : revise(snapshot(current), {}, ctx.now).incident;
      next = { ...base, ...(relink.to ? { parentId: relink.to.id } : {}) };
      if (!relink.to) delete next.parentId;
      fieldChanges = [
        ...fieldChanges,
        { field: 'parentId', old: current.parentId ?? null, new: relink.to?.id ?? null },
      ];
      if (relink.to) validateParentLink(next, relink.to);
    }
    if (fieldChanges.length === 0) return snapshot(current);

    const changes = changeSet(ctx);
    changes.revise(current, next, 'update', fieldChanges, [
      changes.event(IncidentUpdated, next, { incident: next, changes: fieldChanges }),
      ...(patched.assignmentChanged
        ? [
            changes.event(IncidentAssigned, next, {
              incident: next,
              from: assignmentOf(current),
              to: assignmentOf(next),
            }),
          ]
        : []),
    ]);
    if (relink?.from) adjustChildCount(changes, relink.from, -1, ctx);
    if (relink?.to) adjustChildCount(changes, relink.to, +1, ctx);
    await changes.commit().catch((error) => {
      // Our own incident changed: the client's version is stale. A parent changed: decide again.
      if (error instanceof StaleVersionError && error.itemId !== current.id) {
        throw new TransactionConflictError();
      }
      staleVersion(error);
    });
    return next;
  });
}

/** The parents a parentId change detaches from and attaches to; undefined when it changes nothing. */
async function parentChange(
  current: StoredIncident,
  parentId: string | null,
  principal: Principal,
): Promise<{ from?: StoredIncident; to?: StoredIncident } | undefined> {
  const to = parentId === null ? undefined : await loadVisibleIncident(parentId, principal);
  if ((to?.id ?? undefined) === current.parentId) return undefined;
  const from = current.parentId ? await getIncident(current.parentId) : undefined;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function adjustChildCount(
  changes: ChangeSet<StoredIncident>,
  parent: StoredIncident,
  delta: 1 | -1,
  ctx: RequestContext,
): void {
  const revised = revise(
    snapshot(parent),
    { childCount: Math.max(0, parent.childCount + delta) },
    ctx.now,
  );
  changes.revise(
    parent,
    revised.incident,
    delta > 0 ? 'link-child' : 'unlink-child',
    revised.changes,
    [
      changes.event(IncidentUpdated, revised.incident, {
        incident: revised.incident,
        changes: revised.changes,
      }),
    ],
  );
}

function assignmentOf(incident: Incident) {
  return {
    ...(incident.assignmentGroup ? { assignmentGroup: incident.assignmentGroup } : {}),
    ...(incident.assignee ? { assignee: incident.assignee } : {}),
  };
}

function newComment(
  incident: Incident,
  body: string,
  visibility: 'public' | 'internal',
  ctx: RequestContext,
  commentId: string = uuidv7(),
): CommentRecord {
  return {
    aggregateId: incident.id,
    commentId,
    visibility,
    author: ctx.principal.id,
    body,
    createdAt: ctx.now,
  };
}

/**
 * Applies a state transition. With If-Match the write must be based on that version;
 * without it, a transition that lost a race is decided again on fresh data.
 */
export async function transitionIncident(
  idOrNumber: string,
  command: TransitionCommand,
  ctx: RequestContext,
  checkVersion?: (current: Incident) => void,
): Promise<Incident> {
  const attempt = async () => {
    const current = await loadVisibleIncident(idOrNumber, ctx.principal);
    checkVersion?.(current);
    return applyTransition(current, command, ctx);
  };
  // With If-Match a stale version is the client's 412; a transaction conflict is retried
  // either way (re-read, then the version check decides).
  return withRetries(() => attempt().catch(checkVersion ? staleVersion : staleAsConflict));
}

async function applyTransition(
  current: StoredIncident,
  command: TransitionCommand,
  ctx: RequestContext,
  actionLabel: string = command.action,
): Promise<Incident> {
  const result = transition(snapshot(current), command, { ...ctx, actor: ctx.principal });
  const next = result.incident;
  const changes = changeSet(ctx);
  const comment = result.publicComment
    ? newComment(next, result.publicComment, 'public', ctx)
    : undefined;
  if (comment) changes.comment(comment);
  changes.revise(current, next, actionLabel, result.changes, [
    changes.event(IncidentStateChanged, next, {
      incident: next,
      action: command.action,
      from: result.from,
      to: result.to,
    }),
    ...(comment
      ? [changes.event(IncidentCommented, next, { incident: next, comment: commentView(comment) })]
      : []),
  ]);
  await changes.commit();
  return next;
}

/**
 * Adds a public comment or an internal work note, once per Idempotency-Key (commentOnce). A
 * comment revises the incident (its version and update time move), and the caller's reply
 * to an incident awaiting them resumes it, in the same transaction.
 */
export function addComment(
  idOrNumber: string,
  input: { body: string; visibility: 'public' | 'internal' },
  ctx: RequestContext,
  idempotencyKey?: string,
) {
  return commentOnce(
    { kind: 'incident', ctx, key: idempotencyKey, input: { incident: idOrNumber, ...input } },
    {
      findClaim: getIdempotencyRecord,
      load: () => loadVisibleIncident(idOrNumber, ctx.principal),
      findComment: getComment,
      write: (current, commentId, claim) => {
        assertCanComment(current, input.visibility, ctx.principal);
        return commitComment(current, { ...input, commentId }, ctx, claim);
      },
    },
  );
}

/**
 * Writes one comment on the incident read, as addComment describes; with a claim, in the
 * same transaction, so that a comment with a given id is written once.
 */
async function commitComment(
  current: StoredIncident,
  input: { commentId: string; body: string; visibility: 'public' | 'internal' },
  ctx: RequestContext,
  claim?: IdempotencyClaim,
): Promise<CommentRecord> {
  const effect = commentEffect(snapshot(current), input, { ...ctx, actor: ctx.principal });
  const revised = effect ?? {
    ...revise(snapshot(current), {}, ctx.now),
    from: undefined,
    to: undefined,
  };
  const next = revised.incident;
  const record = newComment(next, input.body, input.visibility, ctx, input.commentId);
  const changes = changeSet(ctx);
  if (claim) changes.idempotent(claim);
  changes.comment(record);
  changes.revise(
    current,
    next,
    input.visibility === 'public' ? 'comment' : 'work-note',
    revised.changes,
    [
      changes.event(IncidentCommented, next, { incident: next, comment: commentView(record) }),
      ...(effect
        ? [
            changes.event(IncidentStateChanged, next, {
              incident: next,
              action: 'resume',
              from: effect.from,
              to: effect.to,
            }),
          ]
        : []),
    ],
  );
  await changes.commit().catch(staleAsConflict);
  return record;
}

export async function listIncidents(
  query: ListIncidentsQuery,
  principal: Principal,
): Promise<{ items: Incident[]; cursor: string | null }> {
  assertCanList(principal);
  if (principal.role === 'requester') {
    if (query.caller !== undefined && query.caller !== principal.id) {
      throw new ForbiddenError('Requesters can list only the incidents they reported.');
    }
    query = { ...query, caller: principal.id };
  }
  const page = await queryIncidents(query);
  // canView is a formality here (the query is already restricted) and guards against drift.
  return {
    items: page.items.filter((item) => canView(item, principal)).map(snapshot),
    cursor: page.cursor,
  };
}

/** Closes resolved incidents whose resolution is older than the configured period. */
export async function autoCloseResolved(
  now: string,
  pageSize = 25,
): Promise<{ closed: number; skipped: number }> {
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, now };
  const cutoff = autoCloseCutoff(now, config.AUTO_CLOSE_AFTER_HOURS);
  let closed = 0;
  let skipped = 0;
  let cursor: string | null = null;
  do {
    const page = await listResolvedBefore(cutoff, { limit: pageSize, cursor });
    for (const incident of page.items) {
      try {
        await applyTransition(incident, { action: 'close' }, ctx, 'auto-close');
        closed++;
      } catch (error) {
        // Reopened or closed by someone since the query: nothing to do.
        if (!(error instanceof StaleVersionError)) throw error;
        skipped++;
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return { closed, skipped };
}

/**
 * Applies a parent's state change to its children (reference: parent/child). Idempotent:
 * a child already in the target state gets no follow-up, so redelivered events change
 * nothing; an event whose target state the parent has left (out of order) is ignored. The
 * hold reason and resolution come from the parent as it is now, not from the event: a late
 * "hold Awaiting Vendor" must not undo a later "Awaiting Change", nor a late resolve copy a
 * resolution the parent has since replaced.
 */
export async function syncChildren(
  event: ParentTransition,
  now: string,
): Promise<{ updated: number }> {
  const parent = await getIncident(event.parent.id);
  if (!parent || parent.state !== event.to) return { updated: 0 };
  const change: ParentTransition = { ...event, parent: snapshot(parent) };
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, now };
  let updated = 0;
  let cursor: string | null = null;
  do {
    const page = await queryIncidents({ parentId: parent.id, limit: 100, cursor });
    for (const child of page.items) {
      const applied = await withRetries(async () => {
        const fresh = await getIncident(child.id);
        const command = fresh && childFollowUp(change, snapshot(fresh));
        if (!fresh || !command) return false;
        await applyTransition(
          fresh,
          command,
          ctx,
          `${command.action} (parent ${parent.number})`,
        ).catch(staleAsConflict);
        return true;
      });
      if (applied) updated++;
    }
    cursor = page.cursor;
  } while (cursor);
  return { updated };
}

/** What following a problem did to one linked incident. */
export type FollowUpOutcome = 'resolved' | 'noted' | 'already-noted' | 'unaffected' | 'missing';

export interface IncidentFollowUpResult {
  incidentId: string;
  outcome: FollowUpOutcome;
}

/**
 * Applies a problem's state change to each incident linked to it (see incidentFollowUp), as
 * the system. Safe to redeliver: a resolve is planned only for an incident still open, and a
 * note is written once per id.
 */
export async function followProblemTransition(
  event: ProblemTransition,
  now: string,
): Promise<IncidentFollowUpResult[]> {
  // The event may arrive late (redelivered, or redriven from the dead-letter queue days
  // later): follow the problem as it is now, and not at all once it has left the state the
  // event announced (reanalysed after its resolution, say).
  const problem = await getProblemReference(event.problem.id);
  if (problem?.state !== event.to) return [];
  const { resolutionCode, resolutionNotes, workaround, ...unchanged } = event.problem;
  const change: ProblemTransition = {
    ...event,
    problem: {
      ...unchanged,
      ...withoutUndefined({
        resolutionCode: problem.resolutionCode,
        resolutionNotes: problem.resolutionNotes,
        workaround: problem.workaround,
      }),
    },
  };
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, now };
  const results: IncidentFollowUpResult[] = [];
  let cursor: string | null = null;
  do {
    const page = await listProblemIncidentIds(change.problem.id, { limit: 100, cursor });
    for (const incidentId of page.items) {
      const outcome = await followUpIncident(
        incidentId,
        (incident) => incidentFollowUp(change, incident),
        change.problem,
        ctx,
      );
      results.push({ incidentId, outcome });
    }
    cursor = page.cursor;
  } while (cursor);
  return results;
}

/** A problem's communicated workaround: each note once, on the incidents still open. */
export async function addProblemWorkNotes(
  communicated: {
    problem: Pick<ProblemSnapshot, 'number'>;
    notes: readonly { incidentId: string; commentId: string; body: string }[];
  },
  now: string,
): Promise<IncidentFollowUpResult[]> {
  const ctx: RequestContext = { principal: SYSTEM_PRINCIPAL, now };
  const results: IncidentFollowUpResult[] = [];
  for (const { incidentId, commentId, body } of communicated.notes) {
    const outcome = await followUpIncident(
      incidentId,
      (incident) =>
        isOpen(incident.state) ? { action: 'addWorkNote', commentId, body } : undefined,
      communicated.problem,
      ctx,
    );
    results.push({ incidentId, outcome });
  }
  return results;
}

/**
 * Plans the problem's follow-up on the incident as it is now and applies it through the
 * incident's own rules; a lost race plans again on fresh data.
 */
async function followUpIncident(
  incidentId: string,
  plan: (incident: Incident) => IncidentFollowUp | undefined,
  problem: Pick<ProblemSnapshot, 'number'>,
  ctx: RequestContext,
): Promise<FollowUpOutcome> {
  return withRetries(async () => {
    const current = await getIncident(incidentId);
    if (!current) return 'missing';
    const followUp = plan(snapshot(current));
    if (!followUp) return 'unaffected';
    if (followUp.action === 'resolve') {
      const label = `resolve (problem ${problem.number})`;
      await applyTransition(current, followUp, ctx, label).catch(staleAsConflict);
      return 'resolved';
    }
    return addWorkNoteOnce(current, followUp, ctx);
  });
}

/**
 * Adds a system work note whose id the event gave: the id is claimed in the note's own
 * transaction, so a redelivery finds the claim, or loses the race for it, and writes nothing.
 * The claim is kept (no expiry), so a late redelivery finds it too.
 */
async function addWorkNoteOnce(
  current: StoredIncident,
  note: { commentId: string; body: string },
  ctx: RequestContext,
): Promise<'noted' | 'already-noted'> {
  const request = workNoteRequest('incident', current.id, note);
  if (await getIdempotencyRecord(request.scope, request.key)) return 'already-noted';
  assertCanComment(current, 'internal', ctx.principal);
  await commitComment(
    current,
    { ...note, visibility: 'internal' },
    ctx,
    workNoteClaim(request, ctx.now),
  );
  return 'noted';
}

/** Comments of an incident; requesters see the public ones only, never work notes. */
export async function listIncidentComments(
  idOrNumber: string,
  page: ListPage,
  principal: Principal,
) {
  const incident = await loadVisibleIncident(idOrNumber, principal);
  const result = await listComments(incident.id, page);
  const visible =
    principal.role === 'requester'
      ? result.items.filter((c) => c.visibility === 'public')
      : result.items;
  return { items: visible.map(commentView), cursor: result.cursor };
}

/** The audit history; for requesters without the entries of internal work notes. */
export async function listIncidentHistory(
  idOrNumber: string,
  page: ListPage,
  principal: Principal,
) {
  const incident = await loadVisibleIncident(idOrNumber, principal);
  const result = await listHistory(incident.id, page);
  const visible: HistoryEntry[] =
    principal.role === 'requester'
      ? result.items.filter((entry) => entry.action !== 'work-note')
      : result.items;
  return { items: visible.map(({ aggregateId: _id, ...entry }) => entry), cursor: result.cursor };
}

export async function listChildIncidents(idOrNumber: string, page: ListPage, principal: Principal) {
  const parent = await loadVisibleIncident(idOrNumber, principal);
  const result = await queryIncidents({ parentId: parent.id, ...page });
  return {
    items: result.items.filter((item) => canView(item, principal)).map(snapshot),
    cursor: result.cursor,
  };
}
