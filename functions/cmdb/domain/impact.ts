import {
  type ImpactCi as GraphCi,
  type ImpactedCi as GraphImpactedCi,
  type ImpactGraph,
  type ImpactOptions,
  computeImpact as walkImpact,
} from '../../../shared/domain/impact';
import { type CiClass, type CiKind, ciKindOf } from './classes';

/**
 * Impact analysis: what fails with a CI. The walk itself is shared (shared/domain/impact.ts,
 * which documents it), since other areas weigh impact too; the CMDB adds the kind of each CI
 * it reaches, from its classes.
 */
export {
  buildImpactGraph,
  type ImpactGraph,
  type ImpactOptions,
  type ImpactStep,
  InvalidImpactGraphError,
  type RedundancyGroup,
  redundancyGroupsFrom,
} from '../../../shared/domain/impact';

export type ImpactCi = GraphCi<CiClass>;

export interface ImpactedCi extends GraphImpactedCi<CiClass> {
  kind: CiKind;
}

export interface ImpactResult {
  /** Ordered by depth, then name (case-insensitively), then id. */
  impacted: ImpactedCi[];
  /** True when CIs beyond `maxDepth` would be impacted too. */
  truncated: boolean;
}

/** Throws NotFoundError for a CI not in the graph and RangeError for a negative maxDepth. */
export function computeImpact(
  graph: ImpactGraph<CiClass>,
  failedCiId: string,
  options: ImpactOptions,
): ImpactResult {
  const { impacted, truncated } = walkImpact(graph, failedCiId, options);
  return {
    impacted: impacted.map((ci) => ({ ...ci, kind: ciKindOf(ci.ciClass) })),
    truncated,
  };
}
