import { v7 as uuidv7 } from 'uuid';
import type { Principal } from '../../shared/auth';
import { assertConfigurationItemReference } from '../../shared/db/configuration-item-reference';
import { INCIDENT_NUMBER } from '../../shared/db/incident-reference';
import { commentView } from '../../shared/db/journal';
import type { ListPage } from '../../shared/db/listing';
import { numberedAfterChecks } from '../../shared/db/numbers';
import { PROBLEM_NUMBER } from '../../shared/db/problem-reference';
import { StaleVersionError } from '../../shared/db/transactions';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../shared/errors';
import {
  ProblemCreated,
  ProblemIncidentsLinked,
  ProblemIncidentsUnlinked,
  ProblemStateChanged,
  ProblemUpdated,
  ProblemWorkaroundCommunicated,
} from '../../shared/events/problems';
import type { IdempotencyClaim } from '../../shared/idempotency';
import type { RequestContext } from '../../shared/request-context';
import {
  ChangeSet,
  commentOnce,
  createOnce,
  emptyWork,
  publicView,
  staleAsConflict,
  withRetries,
} from '../../shared/unit-of-work';
import { config } from './config';
import {
  assertCanComment,
  assertCanView,
  assertCanWrite,
  canView,
  createProblem as draftProblem,
  duplicateMerge,
  type IncidentRef,
  type LinkResult,
  linkIncidents as linkToProblem,
  type NewProblemInput,
  type Problem,
  type ProblemIncidentLink,
  type ProblemPatch,
  type ProblemTransitionCommand,
  updateProblem as patchProblem,
  revise,
  transition,
  unlinkIncidents as unlinkFromProblem,
  validateDuplicateTarget,
  workaroundNotes,
} from './domain';
import {
  allLinks,
  allocateProblemNumber,
  commit,
  getComment,
  getConfigurationItemState,
  getIdempotencyClaim,
  getIncidentReferences,
  getLinks,
  getProblem,
  getProblemByNumber,
  type IncidentReference,
  type ListProblemsQuery,
  linksOfIncident,
  listComments,
  listHistory,
  listLinks,
  MAX_LINK_WRITES,
  type ProblemWork,
  listProblems as queryProblems,
  type StoredProblem,
} from './repository';

/** How many workaround notes one event carries at most. */
const NOTES_PER_EVENT = 100;

/**
 * EventBridge takes events of up to 256 KB, and a note repeats the workaround (up to 4,000
 * characters): an event's data, snapshot included, stays under this, leaving the envelope room.
 */
const MAX_EVENT_DATA_BYTES = 200 * 1024;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** The notes in batches of at most NOTES_PER_EVENT that fit one event with `problem`. */
function noteBatches<Note>(notes: readonly Note[], problem: Problem): Note[][] {
  const budget = MAX_EVENT_DATA_BYTES - jsonBytes(problem);
  const batches: Note[][] = [];
  let batch: Note[] = [];
  let bytes = 0;
  for (const note of notes) {
    const size = jsonBytes(note) + 1;
    if (batch.length === NOTES_PER_EVENT || (batch.length > 0 && bytes + size > budget)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(note);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** A problem use case's writes: revisions, journal, events, and incident links. */
export class ProblemChangeSet extends ChangeSet<StoredProblem, ProblemWork> {
  constructor(ctx: RequestContext) {
    super(ctx, { ...emptyWork<StoredProblem>(), links: [], unlinks: [] }, commit);
  }

  link(links: readonly ProblemIncidentLink[]): void {
    this.work.links.push(...links);
  }

  unlink(links: readonly ProblemIncidentLink[]): void {
    this.work.unlinks.push(...links);
  }

  claimScope(claim: NonNullable<ProblemWork['detectionClaim']>): void {
    this.work.detectionClaim = claim;
  }

  /** Refuses a transaction DynamoDB would refuse: too many link writes at once. */
  override commit(): Promise<void> {
    if (this.work.links.length + this.work.unlinks.length > MAX_LINK_WRITES) {
      throw new ConflictError(
        `At most ${MAX_LINK_WRITES} incident links can change at once; split the request.`,
      );
    }
    return super.commit();
  }
}

/** Strips the internal event sequence from what clients and events see. */
export const snapshot: (stored: StoredProblem) => Problem = publicView;

export function domainContext(ctx: RequestContext) {
  return { now: ctx.now, actor: ctx.principal, priorityMatrix: config.PRIORITY_MATRIX };
}

async function findProblem(idOrNumber: string): Promise<StoredProblem | undefined> {
  return PROBLEM_NUMBER.test(idOrNumber)
    ? getProblemByNumber(idOrNumber.toUpperCase())
    : getProblem(idOrNumber);
}

/** Loads a problem the principal may see; to others problems do not exist (404). */
export async function loadVisibleProblem(
  idOrNumber: string,
  principal: Principal,
): Promise<StoredProblem> {
  const problem = canView(principal) ? await findProblem(idOrNumber) : undefined;
  if (!problem) throw new NotFoundError(`Problem ${idOrNumber} does not exist.`);
  return problem;
}

function assertConfigurationItem(id: string | null | undefined): Promise<void> {
  return assertConfigurationItemReference(id, getConfigurationItemState);
}

function staleVersion(error: unknown): never {
  if (error instanceof StaleVersionError) {
    throw new PreconditionFailedError('The problem was changed by someone else; read it again.');
  }
  throw error;
}

export interface CreateResult {
  problem: Problem;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
}

/** Creates a problem; an Idempotency-Key makes retries return the first one (shared/idempotency.ts). */
export async function createProblem(
  input: NewProblemInput,
  ctx: RequestContext,
  idempotencyKey?: string,
): Promise<CreateResult> {
  assertCanWrite(ctx.principal);
  const { value, replayed } = await createOnce(
    { kind: 'problem', ctx, key: idempotencyKey, input },
    {
      findClaim: getIdempotencyClaim,
      replay: async (id) => snapshot(await loadVisibleProblem(id, ctx.principal)),
      create: async (claim) => {
        await assertConfigurationItem(input.configurationItem);
        const id = uuidv7();
        const problem = await numberedAfterChecks(
          (number) => draftProblem(input, { id, number }, domainContext(ctx)),
          allocateProblemNumber,
        );
        const changes = new ProblemChangeSet(ctx);
        changes.create(problem, claim, [changes.event(ProblemCreated, problem, { problem })]);
        await changes.commit();
        return problem;
      },
    },
  );
  return { problem: value, replayed };
}

export async function getProblemForPrincipal(
  idOrNumber: string,
  principal: Principal,
): Promise<Problem> {
  return snapshot(await loadVisibleProblem(idOrNumber, principal));
}

/** PATCH with If-Match: of several writers on one version exactly one wins, the others get 412. */
export async function updateProblem(
  idOrNumber: string,
  patch: ProblemPatch,
  ctx: RequestContext,
  checkVersion: (current: Problem) => void,
): Promise<Problem> {
  // A transaction conflict (another write in flight) is retried: the re-read then tells
  // whether the client's version is still current.
  return withRetries(async () => {
    const current = await loadVisibleProblem(idOrNumber, ctx.principal);
    checkVersion(current);
    if (
      patch.configurationItem !== undefined &&
      patch.configurationItem !== current.configurationItem
    ) {
      await assertConfigurationItem(patch.configurationItem);
    }
    const { problem: next, changes: fieldChanges } = patchProblem(
      snapshot(current),
      patch,
      domainContext(ctx),
    );
    if (fieldChanges.length === 0) return snapshot(current);
    const changes = new ProblemChangeSet(ctx);
    changes.revise(current, next, 'update', fieldChanges, [
      changes.event(ProblemUpdated, next, { problem: next, changes: fieldChanges }),
    ]);
    await changes.commit().catch(staleVersion);
    return next;
  });
}

/**
 * Applies a transition. With If-Match it must be based on that version; without, a transition
 * that lost a race is decided again on fresh data. Marking a duplicate moves the links to the
 * kept problem in the same transaction.
 */
export async function transitionProblem(
  idOrNumber: string,
  command: ProblemTransitionCommand,
  ctx: RequestContext,
  checkVersion?: (current: Problem) => void,
): Promise<Problem> {
  const attempt = async () => {
    const current = await loadVisibleProblem(idOrNumber, ctx.principal);
    checkVersion?.(current);
    return applyTransition(current, command, ctx).catch((error) => {
      // Without If-Match any lost race, with it one on the kept problem of a duplicate, is
      // decided again on fresh data; the client's own stale version is a 412.
      const ownVersion = error instanceof StaleVersionError && error.itemId === current.id;
      if (ownVersion && checkVersion) throw error;
      return staleAsConflict(error);
    });
  };
  return withRetries(attempt).catch(staleVersion);
}

export async function applyTransition(
  current: StoredProblem,
  command: ProblemTransitionCommand,
  ctx: RequestContext,
): Promise<Problem> {
  const kept =
    command.action === 'markDuplicate'
      ? await findProblem(command.duplicateOf).then((found) => {
          if (!found) {
            throw new ValidationError([
              { field: 'duplicateOf', message: `problem ${command.duplicateOf} does not exist` },
            ]);
          }
          return found;
        })
      : undefined;
  const resolved =
    kept && command.action === 'markDuplicate' ? { ...command, duplicateOf: kept.id } : command;
  const result = transition(snapshot(current), resolved, domainContext(ctx));
  const next = result.problem;
  const changes = new ProblemChangeSet(ctx);
  const note = result.workNote ? workNote(next, result.workNote, ctx) : undefined;
  if (note) changes.comment(note);
  const stateChanged = changes.event(ProblemStateChanged, next, {
    problem: next,
    action: command.action,
    from: result.from,
    to: result.to,
  });

  if (!kept) {
    changes.revise(current, next, command.action, result.changes, [stateChanged]);
  } else {
    validateDuplicateTarget(next, snapshot(kept));
    const links = await allLinks(current.id);
    const keptLinks = await getLinks(
      kept.id,
      links.map((link) => link.incidentId),
    );
    const merge = duplicateMerge(
      next,
      snapshot(kept),
      [...links, ...keptLinks],
      domainContext(ctx),
    );
    changes.revise(current, next, command.action, result.changes, [
      stateChanged,
      ...(merge.removed.length > 0
        ? [
            changes.event(ProblemIncidentsUnlinked, next, {
              problem: next,
              incidentIds: merge.removed.map((link) => link.incidentId),
            }),
          ]
        : []),
    ]);
    changes.unlink(merge.removed);
    reviseLinks(changes, kept, merge, `merge-duplicate ${current.number}`);
  }
  await changes.commit();
  return next;
}

/** Writes a link change of `problem` (its count, the links, ProblemIncidentsLinked). */
export function reviseLinks(
  changes: ProblemChangeSet,
  before: StoredProblem,
  result: LinkResult,
  action: string,
): void {
  if (result.links.length === 0) return;
  changes.link(result.links);
  changes.revise(before, result.problem, action, result.changes, [
    changes.event(ProblemIncidentsLinked, result.problem, {
      problem: result.problem,
      links: result.links,
    }),
  ]);
}

function workNote(problem: Problem, body: string, ctx: RequestContext) {
  return {
    aggregateId: problem.id,
    commentId: uuidv7(),
    visibility: 'internal' as const,
    author: ctx.principal.id,
    body,
    createdAt: ctx.now,
  };
}

function incidentRef(incident: IncidentReference): IncidentRef {
  return {
    id: incident.id,
    state: incident.state,
    ...(incident.holdReason ? { holdReason: incident.holdReason } : {}),
    ...(incident.configurationItem ? { configurationItem: incident.configurationItem } : {}),
  };
}

/** The incidents named by id or number; any unknown one is a 400 naming it. */
async function loadIncidents(idsOrNumbers: readonly string[]): Promise<IncidentRef[]> {
  const found = await getIncidentReferences(idsOrNumbers);
  const unknown = idsOrNumbers.filter((key) => !found.has(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((key) => ({ field: 'incidentIds', message: `incident ${key} does not exist` })),
    );
  }
  const byId = new Map<string, IncidentRef>();
  for (const key of idsOrNumbers) {
    const incident = found.get(key);
    if (incident) byId.set(incident.id, incidentRef(incident));
  }
  return [...byId.values()];
}

/** Links incidents (ids or numbers); those already linked are skipped, so a retry adds nothing. */
export async function linkIncidents(
  idOrNumber: string,
  incidentIds: readonly string[],
  ctx: RequestContext,
): Promise<{ problem: Problem; linked: ProblemIncidentLink[] }> {
  return withRetries(async () => {
    const current = await loadVisibleProblem(idOrNumber, ctx.principal);
    const incidents = await loadIncidents(incidentIds);
    const existing = await getLinks(
      current.id,
      incidents.map((incident) => incident.id),
    );
    const result = linkToProblem(snapshot(current), incidents, existing, domainContext(ctx));
    if (result.links.length === 0) return { problem: snapshot(current), linked: [] };
    const changes = new ProblemChangeSet(ctx);
    reviseLinks(changes, current, result, 'link-incidents');
    await changes.commit().catch(staleAsConflict);
    return { problem: result.problem, linked: result.links };
  });
}

/** Removes a link; unlinking an incident that is not linked changes nothing. */
export async function unlinkIncident(
  idOrNumber: string,
  incidentIdOrNumber: string,
  ctx: RequestContext,
): Promise<Problem> {
  return withRetries(async () => {
    const current = await loadVisibleProblem(idOrNumber, ctx.principal);
    // A number names an incident that exists; an id may name one deleted since it was linked.
    const incidentId = INCIDENT_NUMBER.test(incidentIdOrNumber)
      ? (await getIncidentReferences([incidentIdOrNumber])).get(incidentIdOrNumber)?.id
      : incidentIdOrNumber;
    if (incidentId === undefined) {
      throw new NotFoundError(`Incident ${incidentIdOrNumber} does not exist.`);
    }
    const existing = await getLinks(current.id, [incidentId]);
    const result = unlinkFromProblem(snapshot(current), [incidentId], existing, domainContext(ctx));
    if (result.links.length === 0) return snapshot(current);
    const changes = new ProblemChangeSet(ctx);
    changes.unlink(result.links);
    changes.revise(current, result.problem, 'unlink-incidents', result.changes, [
      changes.event(ProblemIncidentsUnlinked, result.problem, {
        problem: result.problem,
        incidentIds: result.links.map((link) => link.incidentId),
      }),
    ]);
    await changes.commit().catch(staleAsConflict);
    return result.problem;
  });
}

export interface LinkedIncidentView {
  incidentId: string;
  number?: string;
  shortDescription?: string;
  state?: IncidentReference['state'];
  configurationItem?: string;
  linkedAt: string;
  linkedBy: string;
}

/** A page of the problem's links, with each incident's number, description and state. */
export async function listLinkedIncidents(
  idOrNumber: string,
  page: ListPage,
  principal: Principal,
): Promise<{ items: LinkedIncidentView[]; cursor: string | null }> {
  const problem = await loadVisibleProblem(idOrNumber, principal);
  const links = await listLinks(problem.id, page);
  const incidents = await getIncidentReferences(links.items.map((link) => link.incidentId));
  return {
    items: links.items.map((link) => {
      const incident = incidents.get(link.incidentId);
      return {
        incidentId: link.incidentId,
        ...(incident
          ? {
              number: incident.number,
              shortDescription: incident.shortDescription,
              state: incident.state,
            }
          : {}),
        ...(link.configurationItem ? { configurationItem: link.configurationItem } : {}),
        linkedAt: link.linkedAt,
        linkedBy: link.linkedBy,
      };
    }),
    cursor: links.cursor,
  };
}

/**
 * "Communicate workaround": one work note per linked open incident, delivered to the incident
 * area by ProblemWorkaroundCommunicated events (up to a hundred notes each, see noteBatches).
 * The problem is revised, so its history records who communicated what, when.
 */
export async function communicateWorkaround(
  idOrNumber: string,
  ctx: RequestContext,
): Promise<{ problem: Problem; notified: number }> {
  return withRetries(async () => {
    const current = await loadVisibleProblem(idOrNumber, ctx.principal);
    const links = await allLinks(current.id);
    const incidents = await getIncidentReferences(links.map((link) => link.incidentId));
    const notes = workaroundNotes(
      snapshot(current),
      [...incidents.values()].map(incidentRef),
      ctx.principal,
    );
    const { problem: next } = revise(snapshot(current), {}, ctx.now);
    const changes = new ProblemChangeSet(ctx);
    const batches = noteBatches(notes, next).map((batch) =>
      changes.event(ProblemWorkaroundCommunicated, next, { problem: next, notes: batch }),
    );
    changes.revise(current, next, 'communicate-workaround', [], batches);
    await changes.commit().catch(staleAsConflict);
    return { problem: next, notified: notes.length };
  });
}

/** Adds a work note (problems are internal: every comment is one), once per Idempotency-Key. */
export function addComment(
  idOrNumber: string,
  body: string,
  ctx: RequestContext,
  idempotencyKey?: string,
) {
  return commentOnce(
    { kind: 'problem', ctx, key: idempotencyKey, input: { problem: idOrNumber, body } },
    {
      findClaim: getIdempotencyClaim,
      load: () => loadVisibleProblem(idOrNumber, ctx.principal),
      findComment: getComment,
      write: (current, commentId, claim) =>
        commitWorkNote(current, { commentId, body }, ctx, claim),
    },
  );
}

/**
 * Writes a work note on the problem read; with a claim, in the same transaction, so that a
 * note with a given id is written once.
 */
export async function commitWorkNote(
  current: StoredProblem,
  note: { commentId: string; body: string },
  ctx: RequestContext,
  claim?: IdempotencyClaim,
) {
  assertCanComment(current, ctx.principal);
  const { problem: next } = revise(snapshot(current), {}, ctx.now);
  const record = { ...workNote(next, note.body, ctx), commentId: note.commentId };
  const changes = new ProblemChangeSet(ctx);
  if (claim) changes.idempotent(claim);
  changes.comment(record);
  changes.revise(
    current,
    next,
    'work-note',
    [],
    [changes.event(ProblemUpdated, next, { problem: next, changes: [] })],
  );
  await changes.commit().catch(staleAsConflict);
  return record;
}

/**
 * Lists problems. `incident` lists the problems an incident is linked to (through the links'
 * index), newest first, in one page; the other filters use the problem's own indexes and do
 * not combine with it.
 */
export async function listProblems(
  query: ListProblemsQuery & { incident?: string },
  principal: Principal,
): Promise<{ items: Problem[]; cursor: string | null }> {
  assertCanView(principal);
  const { incident, ...rest } = query;
  if (incident === undefined) {
    const page = await queryProblems(rest);
    return { items: page.items.map(snapshot), cursor: page.cursor };
  }
  const { limit: _limit, cursor: _cursor, ...filters } = rest;
  if (Object.values(filters).some((value) => value !== undefined)) {
    throw new ValidationError([
      { field: 'query.incident', message: 'cannot be combined with other filters' },
    ]);
  }
  const [found] = (await getIncidentReferences([incident])).values();
  const links = found ? await linksOfIncident(found.id) : [];
  const problems = await Promise.all(links.map((link) => getProblem(link.problemId)));
  return {
    items: problems
      .filter((problem): problem is StoredProblem => problem !== undefined)
      .map(snapshot)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    cursor: null,
  };
}

export async function listProblemComments(
  idOrNumber: string,
  page: ListPage,
  principal: Principal,
) {
  const problem = await loadVisibleProblem(idOrNumber, principal);
  const result = await listComments(problem.id, page);
  return { items: result.items.map(commentView), cursor: result.cursor };
}

export async function listProblemHistory(idOrNumber: string, page: ListPage, principal: Principal) {
  const problem = await loadVisibleProblem(idOrNumber, principal);
  const result = await listHistory(problem.id, page);
  return {
    items: result.items.map(({ aggregateId: _id, ...entry }) => entry),
    cursor: result.cursor,
  };
}
