import { withoutUndefined } from '../../../shared/domain/values';
import { ConflictError, ValidationError } from '../../../shared/errors';
import type { FieldChange } from '../../../shared/events/incidents';
import { assertCanWrite } from './access';
import {
  type DomainContext,
  type IncidentRef,
  isActive,
  isReadOnly,
  type Problem,
  type ProblemIncidentLink,
  revise,
} from './model';

/**
 * Incident links. The problem keeps a count of its links, revised with them, so that its
 * version (and ETag) moves when its incidents change. Linking is idempotent: an incident
 * already linked is skipped, and a call that links nothing leaves the problem as it is.
 */
export interface LinkResult {
  problem: Problem;
  changes: FieldChange[];
  /** The links to write (for linking) or delete (for unlinking). */
  links: ProblemIncidentLink[];
}

function linkedIncidentIds(
  problem: Problem,
  existingLinks: readonly ProblemIncidentLink[],
): Set<string> {
  return new Set(
    existingLinks.filter((link) => link.problemId === problem.id).map((link) => link.incidentId),
  );
}

/** A link of `incident` to `problem`, made now by the context's actor. */
export function linkRecord(
  problem: Problem,
  incident: { id: string; configurationItem?: string },
  ctx: DomainContext,
): ProblemIncidentLink {
  return withoutUndefined({
    problemId: problem.id,
    incidentId: incident.id,
    configurationItem: incident.configurationItem,
    linkedAt: ctx.now,
    linkedBy: ctx.actor.id,
  });
}

function withLinkCount(
  problem: Problem,
  delta: number,
  links: ProblemIncidentLink[],
  now: string,
): LinkResult {
  if (links.length === 0) return { problem, changes: [], links };
  const revised = revise(
    problem,
    { linkedIncidentCount: Math.max(0, problem.linkedIncidentCount + delta) },
    now,
  );
  return { ...revised, links };
}

/**
 * Links incidents to an active problem: a Resolved or Closed one would never resolve them,
 * so it is re-analysed first. Canceled incidents are not linked; any other state is, since
 * linking resolved incidents documents the problem's reach.
 */
export function linkIncidents(
  problem: Problem,
  incidents: readonly IncidentRef[],
  existingLinks: readonly ProblemIncidentLink[],
  ctx: DomainContext,
): LinkResult {
  assertCanWrite(ctx.actor);
  if (!isActive(problem.state)) {
    throw new ConflictError(
      `${problem.number} is ${problem.state}: only a problem still worked on takes incidents.`,
    );
  }
  const canceled = incidents.filter((incident) => incident.state === 'Canceled');
  if (canceled.length > 0) {
    throw new ValidationError(
      canceled.map((incident) => ({
        field: 'incidentIds',
        message: `${incident.id} is Canceled`,
      })),
    );
  }
  const linked = linkedIncidentIds(problem, existingLinks);
  const links: ProblemIncidentLink[] = [];
  for (const incident of incidents) {
    if (linked.has(incident.id)) continue;
    linked.add(incident.id);
    links.push(linkRecord(problem, incident, ctx));
  }
  return withLinkCount(problem, links.length, links, ctx.now);
}

/** Removes links, to correct a wrong one; incidents that are not linked are skipped. */
export function unlinkIncidents(
  problem: Problem,
  incidentIds: readonly string[],
  existingLinks: readonly ProblemIncidentLink[],
  ctx: DomainContext,
): LinkResult {
  assertCanWrite(ctx.actor);
  if (isReadOnly(problem.state)) {
    throw new ConflictError(`A ${problem.state} problem is read-only.`);
  }
  const wanted = new Set(incidentIds);
  const links = existingLinks.filter(
    (link) => link.problemId === problem.id && wanted.has(link.incidentId),
  );
  return withLinkCount(problem, -links.length, links, ctx.now);
}

/** `problem` is the kept problem, counting the links it gains; `links` are its new links. */
export interface DuplicateMerge extends LinkResult {
  /** The duplicate's links, all deleted. */
  removed: ProblemIncidentLink[];
}

/**
 * Moves a Duplicate problem's links to the kept problem (after `transition` with
 * `markDuplicate`, which zeroes the duplicate's count). An incident linked to both keeps its
 * existing link to the kept problem.
 */
export function duplicateMerge(
  duplicate: Problem,
  kept: Problem,
  links: readonly ProblemIncidentLink[],
  ctx: DomainContext,
): DuplicateMerge {
  assertCanWrite(ctx.actor);
  if (duplicate.state !== 'Duplicate' || duplicate.duplicateOf !== kept.id) {
    throw new ConflictError(`${duplicate.number} is not a duplicate of ${kept.number}.`);
  }
  const removed = links.filter((link) => link.problemId === duplicate.id);
  const alreadyKept = linkedIncidentIds(kept, links);
  const moved = removed
    .filter((link) => !alreadyKept.has(link.incidentId))
    .map((link) =>
      linkRecord(kept, { id: link.incidentId, configurationItem: link.configurationItem }, ctx),
    );
  return { ...withLinkCount(kept, moved.length, moved, ctx.now), removed };
}
