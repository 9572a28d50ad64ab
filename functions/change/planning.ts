import type { CiNode } from '../../shared/db/ci-graph';
import { computeImpact, SERVICE_CI_CLASS } from '../../shared/domain/impact';
import { changeSettings } from './config';
import {
  type ApprovalDirectory,
  assessRisk,
  type BlackoutWindow,
  type Change,
  type ChangeOutcome,
  type ConflictContext,
  type Interval,
  plannedWindow,
  type RatedCi,
  type RiskAssessment,
  type WeeklySchedule,
} from './domain';
import { blackoutsOverlapping, bookingsOverlapping, ciGraph, recentOutcomes } from './repository';

/**
 * What the pure rules need from storage and the CMDB, gathered for them: the context of
 * conflict detection, the inputs of the risk assessment, the approver directory.
 */

/** The impact walk stops loading past this many CIs: the blast radius then counts in full. */
const MAX_IMPACT_CIS = 2000;
/** How many of the changes last closed on each CI weigh in the failure rate. */
const OUTCOMES_PER_CI = 50;

const unique = <T>(values: readonly T[]) => [...new Set(values)];

export interface Planning {
  /** The changes' CIs as the CMDB has them (unknown ones absent). */
  nodes: ReadonlyMap<string, CiNode>;
  blackouts: readonly BlackoutWindow[];
  conflicts: ConflictContext;
}

/** The window covering all of `windows`. */
function spanOf(windows: readonly Interval[]): Interval | undefined {
  if (windows.length === 0) return undefined;
  const starts = windows.map((window) => Date.parse(window.start));
  const ends = windows.map((window) => Date.parse(window.end));
  return {
    start: new Date(Math.min(...starts)).toISOString(),
    end: new Date(Math.max(...ends)).toISOString(),
  };
}

/** A CI's own maintenance window, else its owner group's (settings.ts). */
function maintenanceWindowOf(ci: string, node: CiNode | undefined): WeeklySchedule | undefined {
  const { cis, ownerGroups } = changeSettings.maintenanceWindows;
  return cis[ci] ?? (node?.ownerGroup === undefined ? undefined : ownerGroups[node.ownerGroup]);
}

/**
 * What conflict detection and risk need for `changes`, read once for all of them: their CIs
 * (one BatchGetItem; their edges give the related CIs, one hop either way), and the schedule
 * and the blackout windows over the span of their windows.
 */
export async function planningFor(changes: readonly Change[]): Promise<Planning> {
  const cis = unique(changes.flatMap((change) => change.affectedCis));
  const span = spanOf(changes.flatMap((change) => plannedWindow(change) ?? []));
  const [nodes, otherChanges, blackouts] = await Promise.all([
    ciGraph.readNodes(cis),
    span ? bookingsOverlapping(span) : [],
    span ? blackoutsOverlapping(span) : [],
  ]);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const relatedCis: Record<string, string[]> = {};
  const maintenanceWindows: Record<string, WeeklySchedule> = {};
  for (const ci of cis) {
    const node = byId.get(ci);
    relatedCis[ci] = unique((node?.edges ?? []).map((edge) => edge.target)).filter(
      (related) => related !== ci,
    );
    const schedule = maintenanceWindowOf(ci, node);
    if (schedule) maintenanceWindows[ci] = schedule;
  }
  return {
    nodes: byId,
    blackouts,
    conflicts: { otherChanges, relatedCis, maintenanceWindows, blackouts },
  };
}

/** The outcomes of past changes on the change's CIs, each change counted once. */
async function pastOutcomes(change: Change): Promise<ChangeOutcome[]> {
  const perCi = await Promise.all(
    change.affectedCis.map((ci) => recentOutcomes(ci, OUTCOMES_PER_CI)),
  );
  const byChange = new Map<string, ChangeOutcome>();
  for (const { changeId, outcome } of perCi.flat()) {
    if (changeId !== change.id) byChange.set(changeId, outcome);
  }
  return [...byChange.values()];
}

/**
 * The services a failure of the change's CIs would take down: one impact walk from each CI,
 * the others counted as down with it (a change to two members of a cluster may take it down).
 */
async function impactedServices(
  starts: readonly CiNode[],
): Promise<{ services: RatedCi[]; truncated: boolean }> {
  const maxDepth = changeSettings.riskImpactDepth;
  const subgraph = await ciGraph.loadImpactSubgraph(starts, maxDepth, MAX_IMPACT_CIS);
  const services = new Map<string, RatedCi>();
  let truncated = subgraph.capped;
  for (const start of starts) {
    const alsoDown = starts.filter((other) => other.id !== start.id).map((other) => other.id);
    const result = computeImpact(subgraph.graph, start.id, { maxDepth, alsoDown });
    truncated ||= result.truncated;
    for (const impacted of result.impacted) {
      const node = subgraph.nodes.get(impacted.ciId);
      if (impacted.ciClass === SERVICE_CI_CLASS && node) {
        services.set(node.id, { id: node.id, criticality: node.criticality });
      }
    }
  }
  return { services: [...services.values()], truncated };
}

/** The risk of the change as it stands (domain/risk.ts), from the CMDB and past changes. */
export async function assessChangeRisk(
  change: Change,
  planning: Planning,
  now: string,
): Promise<RiskAssessment> {
  const cis = change.affectedCis.flatMap((ci) => planning.nodes.get(ci) ?? []);
  const [impact, outcomes] = await Promise.all([impactedServices(cis), pastOutcomes(change)]);
  return assessRisk({
    model: change.model,
    cis: cis.map((node) => ({ id: node.id, criticality: node.criticality })),
    impactedServices: impact.services,
    impactTruncated: impact.truncated,
    window: plannedWindow(change),
    businessHours: changeSettings.businessHours,
    blackouts: planning.blackouts,
    pastOutcomes: outcomes,
    now,
  });
}

/** The approvers by group, from the settings: the CABs and the owner groups of the CIs. */
export function approvalDirectory(change: Change, planning: Planning): ApprovalDirectory {
  const { approverGroups, cabGroup, emergencyCabGroup } = changeSettings;
  const group = (id: string) => ({ id, members: approverGroups[id] ?? [] });
  const owners = change.affectedCis.flatMap((ci) => planning.nodes.get(ci)?.ownerGroup ?? []);
  return {
    cab: group(cabGroup),
    emergencyCab: group(emergencyCabGroup),
    ciOwnerGroups: unique(owners).map(group),
  };
}
