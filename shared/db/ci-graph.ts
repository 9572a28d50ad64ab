import { Entity } from 'electrodb';
import {
  failurePropagation,
  type RelationshipType,
  RelationshipTypes,
} from '../domain/ci-relationships';
import {
  buildImpactGraph,
  type ImpactGraph,
  type ImpactRelationship,
  REDUNDANCY_GROUP_CI_CLASS,
  redundancyGroupsFrom,
} from '../domain/impact';
import { batchGetAll } from './batch';
import { documentClient } from './client';
import { SERVICE } from './entities';
import { TABLE_INDEXES, TABLE_KEYS } from './table';

/**
 * The CMDB's graph as a reader sees it: each CI with what weighs on a change to it (class,
 * criticality, owner group, lifecycle state) and its edges, and the loading of the part of the
 * graph an impact walk needs. A read-only projection of the CMDB's `ci` item (same model name,
 * version and primary key as functions/cmdb/entities.ts, which owns and writes it); the CMDB's
 * own impact route loads through it too, so the walk is loaded one way everywhere.
 */
function configurationItemNodes(table: string) {
  return new Entity(
    {
      model: { entity: 'ci', version: '1', service: SERVICE },
      attributes: {
        id: { type: 'string', required: true, readOnly: true },
        ciClass: { type: 'string', required: true },
        name: { type: 'string', required: true },
        ownerGroup: { type: 'string' },
        criticality: { type: 'number', required: true },
        lifecycleState: { type: 'string', required: true },
        attributes: { type: 'any', required: true },
        edges: {
          type: 'list',
          required: true,
          items: {
            type: 'map',
            properties: {
              type: { type: 'string', required: true },
              target: { type: 'string', required: true },
            },
          },
        },
        arn: { type: 'string' },
      },
      indexes: {
        primary: {
          pk: { field: TABLE_KEYS.partitionKey, composite: ['id'] },
          sk: { field: TABLE_KEYS.sortKey, composite: [] },
        },
        byArn: {
          index: 'byNumber',
          pk: { field: TABLE_INDEXES.byNumber.partitionKey, composite: ['arn'] },
          sk: { field: TABLE_INDEXES.byNumber.sortKey, composite: ['id'] },
        },
      },
    },
    { client: documentClient, table },
  );
}

/** A CI as a node of the graph; `edges` are its relationships read from it, both directions. */
export interface CiNode<Class extends string = string> {
  id: string;
  ciClass: Class;
  name: string;
  ownerGroup?: string;
  /** 1 critical .. 4 low. */
  criticality: number;
  lifecycleState: string;
  attributes: Record<string, unknown>;
  edges: readonly { type: string; target: string }[];
}

/** The part of the graph around some CIs, indexed for `computeImpact`. */
export interface ImpactSubgraph<Class extends string = string> {
  graph: ImpactGraph<Class>;
  /** Every CI loaded, the starting ones included. */
  nodes: ReadonlyMap<string, CiNode<Class>>;
  /** Loading stopped at `maxCis`: what the walk reports may be incomplete. */
  capped: boolean;
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(RelationshipTypes);

function knownRelationships(node: CiNode): ImpactRelationship[] {
  return node.edges
    .filter((edge) => KNOWN_TYPES.has(edge.type))
    .map((edge) => ({ source: node.id, type: edge.type as RelationshipType, target: edge.target }));
}

/** Clusters with `minimumUp`: their members decide whether they are down. */
function redundancyMembers(node: CiNode): string[] {
  if (node.ciClass !== REDUNDANCY_GROUP_CI_CLASS || typeof node.attributes.minimumUp !== 'number') {
    return [];
  }
  return node.edges.filter((edge) => edge.type === 'members').map((edge) => edge.target);
}

/**
 * Reads the CMDB's graph from `table`. `Class` narrows the class vocabulary for the CMDB,
 * which writes these items; other areas read classes as plain strings.
 */
export function ciGraphReader<Class extends string = string>(table: string) {
  const nodes = configurationItemNodes(table);

  /**
   * Many CIs, eventually consistent (half the cost): the graph is a read model that may lag a
   * write briefly. Unknown ids are simply absent from the result.
   */
  async function readNodes(ids: readonly string[]): Promise<CiNode<Class>[]> {
    const found = await batchGetAll(
      [...new Set(ids)].map((id) => ({ id })),
      (keys, concurrent) => nodes.get(keys).go({ concurrent }),
    );
    // The CMDB writes only classes of its vocabulary.
    return found.map((item) => ({ ...item, ciClass: item.ciClass as Class }));
  }

  /**
   * The neighbourhood of `start` an impact walk of `maxDepth` from any of them needs, loaded
   * level by level with BatchGetItem, following only the edges along which a failure travels
   * (a CI's edges are read from it, so an edge whose failure goes `source-to-target` leads to
   * a CI it impacts), plus the members of redundancy groups on the way, which decide whether a
   * group is down. Loading one level past `maxDepth` lets the walk tell whether its result is
   * truncated. Stops loading past `maxCis` CIs.
   */
  async function loadImpactSubgraph(
    start: readonly CiNode<Class>[],
    maxDepth: number,
    maxCis: number,
  ): Promise<ImpactSubgraph<Class>> {
    const loaded = new Map<string, CiNode<Class>>(start.map((node) => [node.id, node]));
    const expanded = new Set<string>();
    const loadMissing = async (ids: Iterable<string>) => {
      const missing = [...new Set(ids)].filter((id) => !loaded.has(id));
      for (const node of await readNodes(missing)) loaded.set(node.id, node);
    };
    let capped = false;
    let frontier = start.map((node) => node.id);
    for (let level = 0; frontier.length > 0 && level <= maxDepth + 1; level++) {
      await loadMissing(frontier);
      const reached = frontier.flatMap((id) => loaded.get(id) ?? []);
      await loadMissing(reached.flatMap(redundancyMembers));
      if (loaded.size > maxCis) {
        capped = true;
        break;
      }
      // The last level is loaded only to tell whether the result is truncated.
      if (level > maxDepth) break;
      const next = new Set<string>();
      for (const node of reached) {
        if (expanded.has(node.id)) continue;
        expanded.add(node.id);
        for (const { type, target } of knownRelationships(node)) {
          if (failurePropagation(type) === 'source-to-target' && !expanded.has(target)) {
            next.add(target);
          }
        }
      }
      frontier = [...next];
    }

    const cis = [...loaded.values()];
    // Each relationship is listed by both of its ends; the graph keeps one edge for both.
    const relationships = cis.flatMap(knownRelationships);
    return {
      graph: buildImpactGraph(cis, relationships, redundancyGroupsFrom(cis, relationships)),
      nodes: loaded,
      capped,
    };
  }

  /**
   * The CIs whose `attributes.arn` is `arn` (one, unless people entered an ARN twice), from
   * the CMDB's sparse ARN index; eventually consistent. A CI written before the index existed
   * is found at its next write.
   */
  async function findByArn(arn: string): Promise<CiNode<Class>[]> {
    const { data } = await nodes.query.byArn({ arn }).go({ pages: 'all' });
    // Keys are lower-cased (as every ElectroDB key here); ARNs are not, so compare exactly.
    return data
      .filter((item) => item.arn === arn)
      .map(({ arn: _indexOnly, ...item }) => ({ ...item, ciClass: item.ciClass as Class }));
  }

  return { readNodes, loadImpactSubgraph, findByArn };
}
