import * as z from '../zod';

/**
 * The CMDB's relationship vocabulary: the pairs of types and which way a failure travels along
 * each. Shared because other areas read the CMDB's graph too (problem detection walks it
 * upstream); the CMDB module owns the rules that validate relationships.
 */

/** Which end's failure impacts the other, read on the relationship `source -type-> target`. */
export type FailurePropagation = 'target-to-source' | 'source-to-target' | 'none';

/**
 * Relationship types come in pairs (itsm-reference.md): `A depends_on B` is the same fact as
 * `B used_by A`. Each pair is stored once, in its forward form (see `canonicalRelationship`).
 *
 * How a failure travels, per pair (the inverse type travels the mirrored way):
 *
 * | pair                          | a failure of -> impacts | why                                 |
 * |-------------------------------|-------------------------|-------------------------------------|
 * | depends_on / used_by          | target -> source        | A cannot work without B             |
 * | runs_on / runs                | target -> source        | software stops with its host        |
 * | hosted_on / hosts             | target -> source        | a VM or site stops with its host    |
 * | contains / contained_by       | source -> target        | a VPC, subnet or rack takes down    |
 * |                               |                         | what it contains; one part failing  |
 * |                               |                         | leaves the container up             |
 * | connects_to / connected_by    | target -> source        | the connecting end loses the link   |
 * |                               |                         | (a server its switch)               |
 * | member_of / members           | source -> target, gated | a group is down only when fewer     |
 * |                               |                         | than N of its M members are up      |
 * |                               |                         | (impact.ts); with no redundancy     |
 * |                               |                         | declared, any member takes it down  |
 * | provides / provided_by        | source -> target        | a service fails with its provider   |
 * | managed_by / manages          | none                    | a failed monitoring or deployment   |
 * |                               |                         | tool stops nothing it manages       |
 * | replicates_to / replicated_by | none                    | replication is redundancy: each     |
 * |                               |                         | copy survives the other (the        |
 * |                               |                         | replica is the failover target)     |
 */
export const RELATIONSHIP_PAIRS = [
  {
    type: 'depends_on',
    label: 'Depends on',
    inverse: 'used_by',
    inverseLabel: 'Used by',
    failure: 'target-to-source',
  },
  {
    type: 'runs_on',
    label: 'Runs on',
    inverse: 'runs',
    inverseLabel: 'Runs',
    failure: 'target-to-source',
  },
  {
    type: 'hosted_on',
    label: 'Hosted on',
    inverse: 'hosts',
    inverseLabel: 'Hosts',
    failure: 'target-to-source',
  },
  {
    type: 'contains',
    label: 'Contains',
    inverse: 'contained_by',
    inverseLabel: 'Contained by',
    failure: 'source-to-target',
  },
  {
    type: 'connects_to',
    label: 'Connects to',
    inverse: 'connected_by',
    inverseLabel: 'Connected by',
    failure: 'target-to-source',
  },
  {
    type: 'member_of',
    label: 'Member of',
    inverse: 'members',
    inverseLabel: 'Members',
    failure: 'source-to-target',
  },
  {
    type: 'provides',
    label: 'Provides',
    inverse: 'provided_by',
    inverseLabel: 'Provided by',
    failure: 'source-to-target',
  },
  {
    type: 'managed_by',
    label: 'Managed by',
    inverse: 'manages',
    inverseLabel: 'Manages',
    failure: 'none',
  },
  {
    type: 'replicates_to',
    label: 'Replicates to',
    inverse: 'replicated_by',
    inverseLabel: 'Replicated by',
    failure: 'none',
  },
] as const satisfies readonly {
  type: string;
  label: string;
  inverse: string;
  inverseLabel: string;
  failure: FailurePropagation;
}[];

type RelationshipPair = (typeof RELATIONSHIP_PAIRS)[number];
export type ForwardRelationshipType = RelationshipPair['type'];
export type InverseRelationshipType = RelationshipPair['inverse'];
export type RelationshipType = ForwardRelationshipType | InverseRelationshipType;

/** Pair by pair, forward type first: the order in which ties between types are broken. */
export const RelationshipTypes = RELATIONSHIP_PAIRS.flatMap((pair) => [
  pair.type,
  pair.inverse,
]) as [RelationshipType, ...RelationshipType[]];
export const RelationshipTypeSchema = z.enum(RelationshipTypes);

const PAIR_OF = new Map<RelationshipType, RelationshipPair>(
  RELATIONSHIP_PAIRS.flatMap((pair) => [
    [pair.type, pair],
    [pair.inverse, pair],
  ]),
);

function pairOf(type: RelationshipType): RelationshipPair {
  const pair = PAIR_OF.get(type);
  if (!pair) throw new RangeError(`Unknown relationship type '${type}'.`);
  return pair;
}

export function isForwardType(type: RelationshipType): type is ForwardRelationshipType {
  return pairOf(type).type === type;
}

export function inverseOf(type: RelationshipType): RelationshipType {
  const pair = pairOf(type);
  return pair.type === type ? pair.inverse : pair.type;
}

/** The forward type of the pair `type` belongs to. */
export function forwardTypeOf(type: RelationshipType): ForwardRelationshipType {
  return pairOf(type).type;
}

export function relationshipLabel(type: RelationshipType): string {
  const pair = pairOf(type);
  return pair.type === type ? pair.label : pair.inverseLabel;
}

const MIRRORED: Readonly<Record<FailurePropagation, FailurePropagation>> = {
  'target-to-source': 'source-to-target',
  'source-to-target': 'target-to-source',
  none: 'none',
};

export function failurePropagation(type: RelationshipType): FailurePropagation {
  const pair = pairOf(type);
  return pair.type === type ? pair.failure : MIRRORED[pair.failure];
}

/** One end's view of a relationship, as the CMDB keeps it on each CI: `{ type, target }`. */
export interface RelationshipEdge {
  type: string;
  target: string;
}

/**
 * The CIs whose failure reaches this one directly: the targets of its edges along which a
 * failure travels from the target to this CI (`runs_on`, `depends_on`, `members`, ...).
 * Unknown edge types are ignored, so a newer CMDB cannot break an older reader.
 */
export function upstreamTargets(edges: readonly RelationshipEdge[]): string[] {
  const known = new Set<string>(RelationshipTypes);
  return edges
    .filter(
      (edge) =>
        known.has(edge.type) &&
        failurePropagation(edge.type as RelationshipType) === 'target-to-source',
    )
    .map((edge) => edge.target);
}
