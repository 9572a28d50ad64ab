/**
 * Problem detection: incidents that accumulate on one CI, or on CIs that depend on one CI,
 * within a window become a problem candidate. A pure decision per incident event, built so
 * that at-least-once, duplicated and reordered delivery converge on the same outcome.
 *
 * Definitions (T = threshold, W = window; defaults 3 and 24 h):
 * - Counted incidents: the latest version of each incident seen (the event and the read
 *   model, deduplicated by id, highest `version` wins), with a CI, not Canceled, and not
 *   linked to a problem that is no longer active (Resolved, Closed, Duplicate, Canceled):
 *   those incidents were dealt with, so they do not seed a new candidate.
 * - Upstream of a CI: the CIs it depends on, following `upstreamOf` (direct dependencies)
 *   transitively up to `maxDepth` hops; cycles are cut.
 * - Scopes of the event's incident: its own CI (depth 0), then its upstream CIs, nearest
 *   first, ties by CI id. The incidents of a scope S: counted incidents on S or on a CI
 *   whose upstream contains S.
 * - Window rule (on `createdAt`, never on arrival): a burst is a set of at least T incidents
 *   of the scope whose `createdAt` all lie in one closed interval [s, s + W], s being one of
 *   their own times. The group of the event's incident is the union of all bursts that
 *   contain it. Adding incidents only ever adds bursts, so however the events arrive, the
 *   last member of a burst to arrive sees the whole burst: every incident that lies in a
 *   burst is linked in the end, and no other one is.
 * - The first scope (in the order above) where the incident has a group decides:
 *   - an active problem on that scope's CI, or linked to an incident of the group, takes the
 *     group's incidents not yet linked to an active problem (preferring the one on the CI,
 *     then the oldest, then the lowest id); nothing to link is a no-op;
 *   - otherwise a candidate is created on the scope's CI with the id derived from the CI and
 *     the group's earliest incident (by `createdAt`, then id). Replays and concurrent
 *     deliveries of the same view derive the same id, so a conditional put creates it once.
 *
 * With exactly T incidents the candidate id is the same in every arrival order. With more,
 * the candidate created first may be anchored on a later incident (the earliest one had not
 * arrived yet); the incidents arriving after it link to it, so there is still one problem.
 * Where scopes overlap (a group on a CI and a larger one on its upstream CI, or CIs that
 * depend on each other), which scope an incident's group is found in depends on that
 * incident's CI; the links then go to whichever problem holds the group's incidents first.
 */

import { derivedId } from '../../../shared/domain/ids';
import { IncidentSnapshotSchema } from '../../../shared/events/incidents';
import * as z from '../../../shared/zod';
import { isActive, type ProblemState } from './model';

const MS_PER_HOUR = 3_600_000;

export const DetectionPolicySchema = z.object({
  /** Incidents within the window that make a burst. */
  threshold: z._default(z.int().check(z.minimum(2)), 3),
  windowHours: z._default(z.number().check(z.positive()), 24),
  /** How many dependency hops upstream a shared CI may be. */
  maxDepth: z._default(z.int().check(z.minimum(0), z.maximum(10)), 3),
});
export type DetectionPolicy = z.infer<typeof DetectionPolicySchema>;
export const DEFAULT_DETECTION_POLICY: DetectionPolicy = Object.freeze(
  DetectionPolicySchema.parse({}),
);

/** What detection reads of an incident, from its event or the read model. */
export const ObservedIncidentSchema = z.pick(IncidentSnapshotSchema, {
  id: true,
  configurationItem: true,
  state: true,
  createdAt: true,
  version: true,
});
export type ObservedIncident = z.infer<typeof ObservedIncidentSchema>;

/** A problem as detection sees it: its state, CI and linked incidents. */
export interface ProblemView {
  id: string;
  state: ProblemState;
  configurationItem?: string;
  createdAt: string;
  linkedIncidentIds: readonly string[];
}

/** The CIs a CI directly depends on (Depends on, Runs on, Hosted on, ...). */
export type UpstreamOf = (configurationItem: string) => readonly string[];

export interface DetectionInput {
  /** The incident of the event being handled. */
  incident: ObservedIncident;
  /** Incidents on the scopes' CIs around the incident's time (see windowAround). */
  recentIncidents: readonly ObservedIncident[];
  upstreamOf: UpstreamOf;
  /** Problems on the scopes' CIs and problems linked to the recent incidents, any state. */
  problems: readonly ProblemView[];
  policy?: DetectionPolicy;
}

/** An incident that counts towards detection: it has a CI. */
type CountedIncident = ObservedIncident & { configurationItem: string };

function hasConfigurationItem(incident: ObservedIncident): incident is CountedIncident {
  return incident.configurationItem !== undefined;
}

export interface DetectionScope {
  configurationItem: string;
  /** Dependency hops from the event's incident's CI; 0 for the CI itself. */
  depth: number;
}

export interface ProblemCandidate {
  /** Derived: the same CI and earliest incident always give the same id. */
  id: string;
  configurationItem: string;
  shortDescription: string;
  description: string;
}

export type NoDetectionReason =
  | 'no-configuration-item'
  | 'canceled'
  | 'settled'
  | 'below-threshold'
  | 'already-linked';

export type DetectionDecision =
  | { kind: 'none'; reason: NoDetectionReason }
  | {
      kind: 'link';
      problemId: string;
      /** The CI the group shares. */
      configurationItem: string;
      /** The group's incidents to link, by `createdAt` then id. */
      incidents: ObservedIncident[];
    }
  | {
      kind: 'create';
      candidate: ProblemCandidate;
      /** The whole group, by `createdAt` then id. */
      incidents: ObservedIncident[];
    };

/**
 * The CIs `configurationItem` depends on within `maxDepth` hops, each at its shortest
 * distance, with the CI itself at 0.
 */
export function upstreamDepths(
  configurationItem: string,
  upstreamOf: UpstreamOf,
  maxDepth: number,
): Map<string, number> {
  const depths = new Map([[configurationItem, 0]]);
  let frontier = [configurationItem];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const current of frontier) {
      for (const upstream of upstreamOf(current)) {
        if (depths.has(upstream)) continue;
        depths.set(upstream, depth);
        next.push(upstream);
      }
    }
    frontier = next;
  }
  return depths;
}

/** Where to look for a CI's burst: the CI, then its upstream CIs, nearest first. */
export function detectionScopes(
  configurationItem: string,
  upstreamOf: UpstreamOf,
  policy: DetectionPolicy = DEFAULT_DETECTION_POLICY,
): DetectionScope[] {
  return [...upstreamDepths(configurationItem, upstreamOf, policy.maxDepth)]
    .map(([ci, depth]) => ({ configurationItem: ci, depth }))
    .sort((a, b) => a.depth - b.depth || compareStrings(a.configurationItem, b.configurationItem));
}

/** The creation times the read model must cover for an incident created at `createdAt`. */
export function windowAround(
  createdAt: string,
  policy: DetectionPolicy = DEFAULT_DETECTION_POLICY,
): { from: string; to: string } {
  const at = Date.parse(createdAt);
  const width = policy.windowHours * MS_PER_HOUR;
  return { from: new Date(at - width).toISOString(), to: new Date(at + width).toISOString() };
}

export function detectProblem(input: DetectionInput): DetectionDecision {
  const policy = input.policy ?? DEFAULT_DETECTION_POLICY;
  const incidents = latestVersions([input.incident, ...input.recentIncidents]);
  const trigger = incidents.get(input.incident.id) ?? input.incident;
  const triggerCi = trigger.configurationItem;
  if (triggerCi === undefined) return none('no-configuration-item');
  if (trigger.state === 'Canceled') return none('canceled');

  const activeProblems = input.problems.filter((problem) => isActive(problem.state));
  const settled = new Set(
    input.problems
      .filter((problem) => !isActive(problem.state))
      .flatMap((problem) => problem.linkedIncidentIds),
  );
  if (settled.has(trigger.id)) return none('settled');

  const upstreamCache = new Map<string, Map<string, number>>();
  const upstreamOfIncident = (ci: string) => {
    let depths = upstreamCache.get(ci);
    if (depths === undefined) {
      depths = upstreamDepths(ci, input.upstreamOf, policy.maxDepth);
      upstreamCache.set(ci, depths);
    }
    return depths;
  };
  const counted = [...incidents.values()]
    .filter(hasConfigurationItem)
    .filter((incident) => incident.state !== 'Canceled' && !settled.has(incident.id))
    .sort(byCreation);

  for (const scope of detectionScopes(triggerCi, input.upstreamOf, policy)) {
    const ofScope = counted.filter((incident) =>
      upstreamOfIncident(incident.configurationItem).has(scope.configurationItem),
    );
    const group = groupAround(trigger, ofScope, policy);
    if (group.length > 0) return decide(scope, group, activeProblems, policy);
  }
  return none('below-threshold');
}

function none(reason: NoDetectionReason): DetectionDecision {
  return { kind: 'none', reason };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byCreation(a: ObservedIncident, b: ObservedIncident): number {
  return Date.parse(a.createdAt) - Date.parse(b.createdAt) || compareStrings(a.id, b.id);
}

function latestVersions(incidents: readonly ObservedIncident[]): Map<string, ObservedIncident> {
  const latest = new Map<string, ObservedIncident>();
  for (const incident of incidents) {
    const known = latest.get(incident.id);
    if (known === undefined || incident.version > known.version) latest.set(incident.id, incident);
  }
  return latest;
}

/** The union of the bursts containing `trigger`, by creation; empty when there is none. */
function groupAround(
  trigger: ObservedIncident,
  ofScope: readonly CountedIncident[],
  policy: DetectionPolicy,
): CountedIncident[] {
  const width = policy.windowHours * MS_PER_HOUR;
  const at = Date.parse(trigger.createdAt);
  const group = new Set<CountedIncident>();
  for (const start of ofScope) {
    const from = Date.parse(start.createdAt);
    if (from > at || at - from > width) continue;
    const burst = ofScope.filter((incident) => {
      const time = Date.parse(incident.createdAt);
      return time >= from && time <= from + width;
    });
    if (burst.length >= policy.threshold) for (const incident of burst) group.add(incident);
  }
  return [...group].sort(byCreation);
}

function decide(
  scope: DetectionScope,
  group: CountedIncident[],
  activeProblems: readonly ProblemView[],
  policy: DetectionPolicy,
): DetectionDecision {
  const groupIds = new Set(group.map((incident) => incident.id));
  const onScope = (problem: ProblemView) => problem.configurationItem === scope.configurationItem;
  const [existing] = activeProblems
    .filter(
      (problem) => onScope(problem) || problem.linkedIncidentIds.some((id) => groupIds.has(id)),
    )
    .sort(
      (a, b) =>
        Number(onScope(b)) - Number(onScope(a)) ||
        Date.parse(a.createdAt) - Date.parse(b.createdAt) ||
        compareStrings(a.id, b.id),
    );
  if (existing !== undefined) {
    const linkedToActive = new Set(activeProblems.flatMap((problem) => problem.linkedIncidentIds));
    const toLink = group.filter((incident) => !linkedToActive.has(incident.id));
    if (toLink.length === 0) return none('already-linked');
    return {
      kind: 'link',
      problemId: existing.id,
      configurationItem: scope.configurationItem,
      incidents: toLink,
    };
  }
  return { kind: 'create', candidate: candidate(scope, group, policy), incidents: group };
}

function candidate(
  scope: DetectionScope,
  group: readonly CountedIncident[],
  policy: DetectionPolicy,
): ProblemCandidate {
  const [earliest] = group;
  if (earliest === undefined) throw new RangeError('A candidate needs incidents.');
  const ci = scope.configurationItem;
  const cis = [...new Set(group.map((incident) => incident.configurationItem))].sort();
  const onCiItself = cis.length === 1 && cis[0] === ci;
  const where = onCiItself ? `on ${ci}` : `on CIs that depend on ${ci}`;
  return {
    id: derivedId('problem-candidate', ci, earliest.id),
    configurationItem: ci,
    shortDescription: `${group.length} incidents ${where} within ${policy.windowHours} h`,
    description:
      `Detected: ${group.length} incidents ${where} (${cis.join(', ')}), at least ` +
      `${policy.threshold} within ${policy.windowHours} h, the first at ${earliest.createdAt}. ` +
      `The shared CI is the suspected root.`,
  };
}
