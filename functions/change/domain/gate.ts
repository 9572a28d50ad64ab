import { ValidationError } from '../../../shared/errors';
import { type BlackoutWindow, blackoutConflicts } from './conflicts';
import { type Change, type Conflict, plannedWindow } from './model';
import { contains, type Interval } from './schedule';

/**
 * The pipeline gate (`POST /changes/gate`): may a deployment touching these CIs run in this
 * window? Allowed only when every CI is covered by an authorized change (Scheduled or
 * Implement, the CI among its affected CIs, the deployment window within its planned
 * window), no blackout covering the CIs overlaps the window (unless an emergency change
 * covering them recorded an override of that very blackout), and no other change is being
 * implemented on the same or a related CI at the same time. Other conflicts of the covering
 * changes were known when they were approved: they are passed on as warnings.
 */
export interface GateRequest {
  /** The CIs the deployment touches, resolved by the caller from CI ids or AWS resources. */
  cis: readonly string[];
  /** AWS resources named that the CMDB does not know: nothing can vouch for them. */
  unknownResources?: readonly string[];
  window: Interval;
  /** The change (id or number) the pipeline deploys under; any covering change otherwise. */
  change?: string;
}

export type GateReasonCode =
  | 'covered'
  | 'no-approved-change'
  | 'unknown-resource'
  | 'blackout'
  | 'conflict';

export interface GateReason {
  code: GateReasonCode;
  message: string;
}

export interface GateDecision {
  decision: 'allow' | 'deny';
  /** Why: the coverage when allowed, every refusal when denied. */
  reasons: GateReason[];
  warnings: string[];
  coveredBy: { ci: string; changeId: string; number: string }[];
}

const AUTHORIZED_STATES: readonly Change['state'][] = ['Scheduled', 'Implement'];
const COLLISIONS: readonly Conflict['kind'][] = ['same-ci-overlap', 'related-ci-overlap'];

function coveringChange(
  ci: string,
  request: GateRequest,
  changes: readonly Change[],
): Change | undefined {
  const candidates = changes.flatMap((change) => {
    const window = plannedWindow(change);
    const covers =
      window !== undefined &&
      AUTHORIZED_STATES.includes(change.state) &&
      change.affectedCis.includes(ci) &&
      contains(window, request.window) &&
      (request.change === undefined ||
        request.change === change.id ||
        request.change === change.number);
    return covers ? [{ change, start: Date.parse(window.start) }] : [];
  });
  // The earliest window first, so the choice does not depend on the order given.
  candidates.sort((a, b) => a.start - b.start || a.change.number.localeCompare(b.change.number));
  return candidates[0]?.change;
}

function overridden(hit: Conflict, coverage: ReadonlyMap<string, Change>): boolean {
  return hit.cis.every((ci) => {
    const change = coverage.get(ci);
    return (
      change?.model === 'emergency' &&
      (change.conflictOverride?.conflicts.some(
        (conflict) => conflict.blackout?.id === hit.blackout?.id,
      ) ??
        false)
    );
  });
}

/**
 * `conflicts` holds, per covering change id, its conflicts as detected now (detectConflicts);
 * `changes` the candidate changes on the CIs. Throws ValidationError for a request naming
 * nothing or a window that does not end after it starts.
 */
export function gate(
  request: GateRequest,
  changes: readonly Change[],
  blackouts: readonly BlackoutWindow[],
  conflicts: Readonly<Record<string, readonly Conflict[]>>,
): GateDecision {
  const unknown = request.unknownResources ?? [];
  if (request.cis.length === 0 && unknown.length === 0) {
    throw new ValidationError([{ field: 'targets', message: 'name at least one CI or resource' }]);
  }
  if (Date.parse(request.window.end) <= Date.parse(request.window.start)) {
    throw new ValidationError([{ field: 'window.end', message: 'must be after window.start' }]);
  }
  const { start, end } = request.window;
  const denials: GateReason[] = unknown.map((resource) => ({
    code: 'unknown-resource',
    message: `${resource} is not in the CMDB: no change can cover it.`,
  }));
  const warnings: string[] = [];
  const coverage = new Map<string, Change>();
  for (const ci of new Set(request.cis)) {
    const change = coveringChange(ci, request, changes);
    if (change) coverage.set(ci, change);
    else {
      const under = request.change === undefined ? '' : ` under ${request.change}`;
      denials.push({
        code: 'no-approved-change',
        message: `No approved change${under} covers ${ci} from ${start} to ${end}.`,
      });
    }
  }

  for (const hit of blackoutConflicts(request.window, request.cis, blackouts)) {
    if (overridden(hit, coverage)) {
      warnings.push(`${hit.explanation} An emergency change overrode it.`);
    } else denials.push({ code: 'blackout', message: hit.explanation });
  }

  for (const change of new Set(coverage.values())) {
    for (const conflict of conflicts[change.id] ?? []) {
      if (conflict.kind === 'blackout') continue;
      const collides =
        COLLISIONS.includes(conflict.kind) && conflict.otherChange?.state === 'Implement';
      if (collides) {
        denials.push({
          code: 'conflict',
          message: `${change.number}: ${conflict.explanation} It is being implemented now.`,
        });
      } else warnings.push(`${change.number}: ${conflict.explanation}`);
    }
  }

  const coveredBy = [...coverage].map(([ci, change]) => ({
    ci,
    changeId: change.id,
    number: change.number,
  }));
  if (denials.length > 0) return { decision: 'deny', reasons: denials, warnings, coveredBy };
  return {
    decision: 'allow',
    reasons: coveredBy.map(({ ci, number }) => ({
      code: 'covered',
      message: `${ci} is covered by ${number}.`,
    })),
    warnings,
    coveredBy,
  };
}
