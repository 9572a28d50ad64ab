import { NotFoundError } from '../errors';
import {
  failurePropagation,
  inverseOf,
  type RelationshipType,
  RelationshipTypes,
} from './ci-relationships';

/**
 * Impact analysis over the CMDB's graph: what fails with a CI. Shared because other areas
 * weigh impact too (a change's blast radius); the CMDB serves it at `GET /cis/{id}/impact`.
 * `shared/db/ci-graph.ts` loads the part of the graph a walk needs.
 *
 * The graph is a read model built once (`buildImpactGraph`) and walked per request
 * (`computeImpact`). Each relationship becomes at most one directed edge "if this fails, that
 * is impacted", following `failurePropagation` (ci-relationships.ts); `managed_by` and
 * `replicates_to` give none. Either form of a relationship (`a depends_on b`, `b used_by a`)
 * gives the same edge. The walk is breadth-first, so each result carries a shortest path
 * from the failed CI, and O(visited edges): nodes are numbered in result order (name, then id)
 * and edges are held in flat arrays.
 *
 * Redundancy groups are nodes: the group is a CI (usually of class `cluster`) that dependents
 * relate to (`app runs_on cluster`), and its members are `member_of` it. The member-to-group
 * edge is a gate: it passes only when fewer than `minimumUp` members are up, counting as down
 * the failed CI, the CIs the walk has already reached at a lower or equal depth, and
 * `alsoDown` (CIs already failed, e.g. from open incidents). A dependent related to one member
 * directly depends on that member alone, redundancy or not. Other edges into a group (the
 * cluster contained by a failed network) are not gated.
 *
 * CIs the walk reaches are reported even when they are in `alsoDown`: this failure would keep
 * them down too. Relationships and group members naming unknown CIs, and relationship types
 * this version does not know, are ignored, since the read model may briefly lag behind the
 * writes and a newer CMDB must not break an older reader.
 */

/** The CMDB's class of services (kind `service`): what users consume. */
export const SERVICE_CI_CLASS = 'service';
/** The CMDB's class of redundancy groups; one with a numeric `minimumUp` attribute is gated. */
export const REDUNDANCY_GROUP_CI_CLASS = 'cluster';

/** `Class` is the CMDB's class vocabulary; readers outside the CMDB see plain strings. */
export interface ImpactCi<Class extends string = string> {
  id: string;
  ciClass: Class;
  name: string;
}

/** A relationship in either form, e.g. `{ source: app, type: 'runs_on', target: vm }`. */
export interface ImpactRelationship {
  source: string;
  type: RelationshipType;
  target: string;
}

/** Up while at least `minimumUp` of its members are up. `id` is the group's own CI. */
export interface RedundancyGroup {
  id: string;
  minimumUp: number;
  members: readonly string[];
}

export class InvalidImpactGraphError extends Error {
  override readonly name = 'InvalidImpactGraphError';
}

/** The index `computeImpact` walks: plain data, to be treated as opaque. */
export interface ImpactGraph<Class extends string = string> {
  readonly ciCount: number;
  readonly edgeCount: number;
  /** Node `i` is `cis[i]`; nodes are numbered in (name, id) order. */
  readonly cis: readonly ImpactCi<Class>[];
  readonly indexOf: ReadonlyMap<string, number>;
  /** Edges of node `i` are `edgeStart[i] .. edgeStart[i + 1] - 1`. */
  readonly edgeStart: Int32Array;
  readonly edgeTarget: Int32Array;
  /** Index in RelationshipTypes of the type read from the impacted CI to the failed one. */
  readonly edgeVia: Uint8Array;
  /** 0 for a node that is not a redundancy group. */
  readonly minimumUp: Int32Array;
  readonly groupMembers: ReadonlyMap<number, Int32Array>;
  readonly groupsOfMember: ReadonlyMap<number, readonly number[]>;
}

const TYPE_COUNT = RelationshipTypes.length;
const VIA_CODE = new Map<RelationshipType, number>(
  RelationshipTypes.map((type, code) => [type, code]),
);
const MEMBERS_CODE = RelationshipTypes.indexOf('members');

/** Result order: name regardless of case, then name, then id; code-unit order, not locale. */
function inResultOrder<Class extends string>(cis: readonly ImpactCi<Class>[]): ImpactCi<Class>[] {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return cis
    .map(({ id, ciClass, name }) => ({ ci: { id, ciClass, name }, folded: name.toLowerCase() }))
    .sort(
      (a, b) =>
        compare(a.folded, b.folded) || compare(a.ci.name, b.ci.name) || compare(a.ci.id, b.ci.id),
    )
    .map(({ ci }) => ci);
}

/**
 * Indexes the CIs, their relationships (in either form) and their redundancy groups. Throws
 * InvalidImpactGraphError for a CI or group given twice, or a `minimumUp` below 1.
 */
export function buildImpactGraph<Class extends string>(
  cis: readonly ImpactCi<Class>[],
  relationships: readonly ImpactRelationship[],
  groups: readonly RedundancyGroup[] = [],
): ImpactGraph<Class> {
  const sorted = inResultOrder(cis);
  const indexOf = new Map<string, number>();
  for (const [index, ci] of sorted.entries()) {
    if (indexOf.has(ci.id)) throw new InvalidImpactGraphError(`CI ${ci.id} is given twice.`);
    indexOf.set(ci.id, index);
  }
  const count = sorted.length;
  // One number per edge, ordered by failed node, impacted node, then type: sorting them groups
  // the edges by node, and of parallel edges the type listed first explains the impact.
  const edgeKeys: number[] = [];
  const addEdge = (failed: number, impacted: number, viaCode: number) => {
    if (failed !== impacted) edgeKeys.push((failed * count + impacted) * TYPE_COUNT + viaCode);
  };

  for (const { source, type, target } of relationships) {
    const sourceIndex = indexOf.get(source);
    const targetIndex = indexOf.get(target);
    if (sourceIndex === undefined || targetIndex === undefined || !VIA_CODE.has(type)) continue;
    // The edge is labelled with the type read from the impacted CI: `b used_by a` and
    // `a depends_on b` both give b -> a via depends_on.
    const propagation = failurePropagation(type);
    if (propagation === 'target-to-source') {
      addEdge(targetIndex, sourceIndex, VIA_CODE.get(type) as number);
    } else if (propagation === 'source-to-target') {
      addEdge(sourceIndex, targetIndex, VIA_CODE.get(inverseOf(type)) as number);
    }
  }

  const minimumUp = new Int32Array(count);
  const memberSets = new Map<number, Set<number>>();
  for (const group of groups) {
    const groupIndex = indexOf.get(group.id);
    if (groupIndex === undefined) continue;
    if (!Number.isInteger(group.minimumUp) || group.minimumUp < 1) {
      throw new InvalidImpactGraphError(
        `Redundancy group ${group.id} needs a minimumUp of at least 1, got ${group.minimumUp}.`,
      );
    }
    if (memberSets.has(groupIndex)) {
      throw new InvalidImpactGraphError(`Redundancy group ${group.id} is given twice.`);
    }
    minimumUp[groupIndex] = group.minimumUp;
    memberSets.set(groupIndex, new Set());
    for (const member of group.members) {
      const memberIndex = indexOf.get(member);
      if (memberIndex !== undefined) addEdge(memberIndex, groupIndex, MEMBERS_CODE);
    }
  }

  const keys = Float64Array.from(edgeKeys).sort();
  const edgeStart = new Int32Array(count + 1);
  const edgeTarget = new Int32Array(keys.length);
  const edgeVia = new Uint8Array(keys.length);
  let edgeCount = 0;
  let previousPair = -1;
  for (const key of keys) {
    const pair = Math.floor(key / TYPE_COUNT);
    const failed = Math.floor(pair / count);
    const impacted = pair % count;
    const viaCode = key % TYPE_COUNT;
    // Members come from the group's list and from member_of relationships alike.
    if (viaCode === MEMBERS_CODE) memberSets.get(impacted)?.add(failed);
    if (pair === previousPair) {
      // Of parallel edges, one without the redundancy gate wins: it impacts unconditionally.
      if (edgeVia[edgeCount - 1] === MEMBERS_CODE) edgeVia[edgeCount - 1] = viaCode;
      continue;
    }
    previousPair = pair;
    edgeStart[failed + 1] = (edgeStart[failed + 1] as number) + 1;
    edgeTarget[edgeCount] = impacted;
    edgeVia[edgeCount] = viaCode;
    edgeCount += 1;
  }
  for (let node = 0; node < count; node += 1) {
    edgeStart[node + 1] = (edgeStart[node + 1] as number) + (edgeStart[node] as number);
  }

  const groupMembers = new Map<number, Int32Array>();
  const groupsOfMember = new Map<number, number[]>();
  for (const [groupIndex, members] of memberSets) {
    groupMembers.set(groupIndex, Int32Array.from(members).sort());
    for (const member of members) {
      const memberGroups = groupsOfMember.get(member) ?? [];
      memberGroups.push(groupIndex);
      groupsOfMember.set(member, memberGroups);
    }
  }

  return {
    ciCount: count,
    edgeCount,
    cis: sorted,
    indexOf,
    edgeStart,
    edgeTarget: edgeTarget.subarray(0, edgeCount),
    edgeVia: edgeVia.subarray(0, edgeCount),
    minimumUp,
    groupMembers,
    groupsOfMember,
  };
}

/**
 * The redundancy groups declared in the CMDB: clusters with a `minimumUp` attribute, with the
 * CIs that are `member_of` them (in either form of the relationship).
 */
export function redundancyGroupsFrom(
  cis: readonly { id: string; ciClass: string; attributes: Record<string, unknown> }[],
  relationships: readonly ImpactRelationship[],
): RedundancyGroup[] {
  const members = new Map<string, Set<string>>();
  for (const ci of cis) {
    if (ci.ciClass === REDUNDANCY_GROUP_CI_CLASS && typeof ci.attributes.minimumUp === 'number') {
      members.set(ci.id, new Set());
    }
  }
  for (const { source, type, target } of relationships) {
    if (type === 'member_of') members.get(target)?.add(source);
    else if (type === 'members') members.get(source)?.add(target);
  }
  return cis
    .filter((ci) => members.has(ci.id))
    .map((ci) => ({
      id: ci.id,
      minimumUp: ci.attributes.minimumUp as number,
      members: [...(members.get(ci.id) ?? [])],
    }));
}

export interface ImpactOptions {
  /** How many relationships away from the failed CI to look; 0 looks nowhere. */
  maxDepth: number;
  /** CIs already down for other reasons; they count against redundancy groups. */
  alsoDown?: readonly string[];
}

export interface ImpactStep {
  ciId: string;
  /** The relationship read from this step's CI to the previous one: `app runs_on server`. */
  via: RelationshipType;
}

export interface ImpactedCi<Class extends string = string> {
  ciId: string;
  name: string;
  ciClass: Class;
  /** Relationships between the failed CI and this one: the length of `path`. */
  depth: number;
  /** A shortest chain from the failed CI (excluded) to this CI (included). */
  path: ImpactStep[];
  /** For a redundancy group brought down by its members: who was down when it tipped. */
  redundancy?: { minimumUp: number; memberCount: number; membersDown: string[] };
}

export interface ImpactResult<Class extends string = string> {
  /** Ordered by depth, then name (case-insensitively), then id. */
  impacted: ImpactedCi<Class>[];
  /** True when CIs beyond `maxDepth` would be impacted too. */
  truncated: boolean;
}

/** Throws NotFoundError for a CI not in the graph and RangeError for a negative maxDepth. */
export function computeImpact<Class extends string>(
  graph: ImpactGraph<Class>,
  failedCiId: string,
  options: ImpactOptions,
): ImpactResult<Class> {
  const { maxDepth } = options;
  if (!Number.isInteger(maxDepth) || maxDepth < 0) {
    throw new RangeError(`maxDepth must be a whole number from 0, got ${maxDepth}.`);
  }
  const start = graph.indexOf.get(failedCiId);
  if (start === undefined) throw new NotFoundError(`CI ${failedCiId} is not in the graph.`);

  const { edgeStart, edgeTarget, edgeVia, minimumUp, groupMembers, groupsOfMember } = graph;
  const depth = new Int32Array(graph.ciCount).fill(-1);
  const parent = new Int32Array(graph.ciCount);
  const via = new Uint8Array(graph.ciCount);
  const alsoDown = new Set<number>();
  for (const id of options.alsoDown ?? []) {
    const index = graph.indexOf.get(id);
    if (index !== undefined) alsoDown.add(index);
  }
  const membersOf = (group: number) => groupMembers.get(group) ?? new Int32Array();
  // Down members per group, counted once a member of it goes down in this walk.
  const downCount = new Map<number, number>();
  const markDown = (node: number) => {
    for (const group of groupsOfMember.get(node) ?? []) {
      let down = downCount.get(group);
      if (down === undefined) {
        down = membersOf(group).filter((member) => alsoDown.has(member)).length;
      }
      downCount.set(group, alsoDown.has(node) ? down : down + 1);
    }
  };
  // Reached at `level` or before: nodes reached in the level being walked are not down yet.
  const isDownBy = (node: number, level: number) =>
    (depth[node] as number) >= 0 && (depth[node] as number) <= level;
  const tipped = (group: number) =>
    membersOf(group).length - (downCount.get(group) ?? 0) < (minimumUp[group] as number);
  const redundancy = new Map<number, NonNullable<ImpactedCi['redundancy']>>();

  depth[start] = 0;
  markDown(start);
  const reached: number[] = [];
  let truncated = false;
  let frontier = [start];
  for (let level = 0; frontier.length > 0 && !truncated; level += 1) {
    const next: number[] = [];
    for (const node of frontier) {
      const end = edgeStart[node + 1] as number;
      for (let edge = edgeStart[node] as number; edge < end; edge += 1) {
        const impacted = edgeTarget[edge] as number;
        if (depth[impacted] !== -1) continue;
        const gated = edgeVia[edge] === MEMBERS_CODE && (minimumUp[impacted] as number) > 0;
        if (gated && !tipped(impacted)) continue;
        if (level === maxDepth) {
          truncated = true;
          break;
        }
        depth[impacted] = level + 1;
        parent[impacted] = node;
        via[impacted] = edgeVia[edge] as number;
        next.push(impacted);
        if (gated) {
          const members = membersOf(impacted);
          redundancy.set(impacted, {
            minimumUp: minimumUp[impacted] as number,
            memberCount: members.length,
            membersDown: Array.from(members)
              .filter((member) => alsoDown.has(member) || isDownBy(member, level))
              .map((member) => graph.cis[member]?.id as string),
          });
        }
      }
      if (truncated) break;
    }
    // Marked only now, so that a group tips at the depth where enough members are down.
    next.sort((a, b) => a - b);
    for (const node of next) markDown(node);
    reached.push(...next);
    frontier = next;
  }

  const pathTo = (node: number): ImpactStep[] => {
    const path: ImpactStep[] = [];
    for (let step = node; step !== start; step = parent[step] as number) {
      path.push({
        ciId: graph.cis[step]?.id as string,
        via: RelationshipTypes[via[step] as number] as RelationshipType,
      });
    }
    return path.reverse();
  };
  return {
    impacted: reached.map((node) => {
      const ci = graph.cis[node] as ImpactCi<Class>;
      const groupState = redundancy.get(node);
      return {
        ciId: ci.id,
        name: ci.name,
        ciClass: ci.ciClass,
        depth: depth[node] as number,
        path: pathTo(node),
        ...(groupState ? { redundancy: groupState } : {}),
      };
    }),
    truncated,
  };
}
