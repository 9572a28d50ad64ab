import type { Principal } from '../../shared/auth';
import { RETIRED_LIFECYCLE_STATE } from '../../shared/db/configuration-item-reference';
import {
  assertCanView,
  type Conflict,
  detectConflicts,
  type GateDecision,
  gate,
  type Interval,
} from './domain';
import { candidateCiIds, isArn } from './gate-targets';
import { planningFor } from './planning';
import { blackoutsOverlapping, bookingsOverlapping, ciGraph } from './repository';
import { snapshot } from './use-cases';

const CHANGE_NUMBER = /^CHG\d{7,}$/i;

const unique = <T>(values: readonly T[]) => [...new Set(values)];

export interface GateInput {
  /** CI ids or AWS resource ARNs. */
  targets: string[];
  window: Interval;
  /** The change (id or number) the pipeline deploys under. */
  change?: string;
}

/** A target as given, with the CI it names; no CI when the CMDB does not know it. */
export interface GateTarget {
  target: string;
  ci?: string;
}

export interface GateResult extends GateDecision {
  targets: GateTarget[];
  window: Interval;
}

/**
 * Resolves the targets to CIs: CI ids as they are, ARNs through the ids the AWS Config import
 * derives (gate-targets.ts), all read in one BatchGetItem. An ARN those ids miss (an RDS
 * instance, an S3 bucket: AWS Config records them by ids their ARNs do not hold, or a CI
 * entered by hand with its ARN) is looked up in the CMDB's ARN index, a live CI preferred. A
 * target the CMDB does not hold resolves to nothing.
 */
async function resolveTargets(targets: readonly string[]): Promise<GateTarget[]> {
  const candidates = new Map(targets.filter(isArn).map((arn) => [arn, candidateCiIds(arn)]));
  const nodes = await ciGraph.readNodes([
    ...targets.filter((target) => !isArn(target)),
    ...[...candidates.values()].flat(),
  ]);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  return Promise.all(
    targets.map(async (target) => {
      if (!isArn(target)) {
        const node = byId.get(target);
        return node ? { target, ci: node.id } : { target };
      }
      const derived = (candidates.get(target) ?? [])
        .flatMap((id) => byId.get(id) ?? [])
        .find((found) => (found.attributes.arn ?? target) === target);
      if (derived) return { target, ci: derived.id };
      const indexed = await ciGraph.findByArn(target);
      const node =
        indexed.find((found) => found.lifecycleState !== RETIRED_LIFECYCLE_STATE) ?? indexed[0];
      return node ? { target, ci: node.id } : { target };
    }),
  );
}

/**
 * The pipeline gate (`POST /changes/gate`, domain/gate.ts): may a deployment touching
 * `targets` run in `window`? Reads the targets' CIs, the schedule and the blackout windows
 * overlapping the window, and the conflicts of the changes on those CIs, which are the only
 * ones that may cover the deployment. For whoever may view changes (changes.read clients).
 */
export async function checkDeployment(input: GateInput, principal: Principal): Promise<GateResult> {
  assertCanView(principal);
  const window = {
    start: new Date(input.window.start).toISOString(),
    end: new Date(input.window.end).toISOString(),
  };
  const [targets, booked, blackouts] = await Promise.all([
    resolveTargets(unique(input.targets)),
    bookingsOverlapping(window),
    blackoutsOverlapping(window),
  ]);
  const cis = unique(targets.flatMap((target) => target.ci ?? []));
  const changes = booked.map(snapshot);
  const onTargets = changes.filter((change) => change.affectedCis.some((ci) => cis.includes(ci)));
  const conflicts: Record<string, Conflict[]> = {};
  if (onTargets.length > 0) {
    const planning = await planningFor(onTargets);
    for (const change of onTargets) {
      conflicts[change.id] = detectConflicts(change, planning.conflicts);
    }
  }
  const named = input.change;
  const decision = gate(
    {
      cis,
      unknownResources: targets.flatMap((target) => (target.ci ? [] : [target.target])),
      window,
      ...(named ? { change: CHANGE_NUMBER.test(named) ? named.toUpperCase() : named } : {}),
    },
    changes,
    blackouts,
    conflicts,
  );
  return { ...decision, targets, window };
}
