import { isBlank } from '../../../shared/domain/values';
import { ConflictError } from '../../../shared/errors';
import * as z from '../../../shared/zod';
import {
  type Change,
  type ChangeState,
  type Conflict,
  ConflictKinds,
  type ConflictOverride,
  plannedWindow,
} from './model';
import { type Interval, overlaps, type WeeklySchedule, withinSchedule } from './schedule';

/**
 * Conflict detection for a change's planned window (itsm-reference.md): overlapping changes
 * on the same CI or on CIs related to it, the assignee already booked, a CI's maintenance
 * window not respected, a blackout window. Conflicts are flags for the people planning and
 * approving; only a blackout blocks scheduling (`canSchedule`).
 */

export const BlackoutScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }),
  z.object({ kind: z.literal('cis'), cis: z.array(z.string()).check(z.minLength(1)) }),
]);
export type BlackoutScope = z.infer<typeof BlackoutScopeSchema>;

export const BlackoutWindowSchema = z
  .object({
    id: z.string(),
    name: z.string().check(z.minLength(1)),
    start: z.iso.datetime(),
    end: z.iso.datetime(),
    scope: BlackoutScopeSchema,
  })
  .check(
    z.refine((blackout) => Date.parse(blackout.end) > Date.parse(blackout.start), {
      message: 'must end after it starts',
      path: ['end'],
    }),
  );
export type BlackoutWindow = z.infer<typeof BlackoutWindowSchema>;

/** A change holds its window from the moment it asks for authorization until it is done. */
export const BookingStates = [
  'Authorize',
  'Scheduled',
  'Implement',
] as const satisfies ChangeState[];

export function holdsWindow(state: ChangeState): boolean {
  return (BookingStates as readonly ChangeState[]).includes(state);
}

/** What conflict detection needs of another change. */
export type BookedChange = Pick<
  Change,
  'id' | 'number' | 'state' | 'affectedCis' | 'assignee' | 'plannedStart' | 'plannedEnd'
>;

export interface ConflictContext {
  /** Other changes whose windows may overlap; those not holding a window are ignored. */
  otherChanges: readonly BookedChange[];
  /** Per affected CI, the CIs related to it either way (it depends on them or they on it). */
  relatedCis: Readonly<Record<string, readonly string[]>>;
  /** Per CI, its maintenance window; a CI without one may be changed at any time. */
  maintenanceWindows: Readonly<Record<string, WeeklySchedule>>;
  blackouts: readonly BlackoutWindow[];
}

function blackoutCis(blackout: BlackoutWindow, cis: readonly string[]): string[] {
  const { scope } = blackout;
  return scope.kind === 'all' ? [...cis] : cis.filter((ci) => scope.cis.includes(ci));
}

function describeBlackout(blackout: BlackoutWindow, cis: readonly string[]): string {
  const scope = blackout.scope.kind === 'all' ? 'all CIs' : cis.join(', ');
  return `The window overlaps blackout '${blackout.name}' (${blackout.start} to ${blackout.end}), which covers ${scope}.`;
}

/** The blackouts overlapping `window` that cover any of `cis`, as conflicts. */
export function blackoutConflicts(
  window: Interval,
  cis: readonly string[],
  blackouts: readonly BlackoutWindow[],
): Conflict[] {
  return blackouts.flatMap((blackout) => {
    const covered = blackoutCis(blackout, cis);
    const inScope = blackout.scope.kind === 'all' || covered.length > 0;
    if (!inScope || !overlaps(window, blackout)) return [];
    return [
      {
        kind: 'blackout',
        explanation: describeBlackout(blackout, covered),
        cis: covered,
        blackout: { id: blackout.id, name: blackout.name },
      },
    ];
  });
}

function otherWindow(other: BookedChange): Interval | undefined {
  return other.plannedStart !== undefined && other.plannedEnd !== undefined
    ? { start: other.plannedStart, end: other.plannedEnd }
    : undefined;
}

function overlapConflict(change: Change, other: BookedChange, context: ConflictContext) {
  const otherRef = { id: other.id, number: other.number, state: other.state };
  const shared = change.affectedCis.filter((ci) => other.affectedCis.includes(ci));
  if (shared.length > 0) {
    return {
      kind: 'same-ci-overlap',
      explanation: `${other.number} (${other.state}) changes ${shared.join(', ')} at an overlapping time.`,
      cis: shared,
      otherChange: otherRef,
    } satisfies Conflict;
  }
  const pairs = change.affectedCis.flatMap((ci) =>
    (context.relatedCis[ci] ?? [])
      .filter((related) => other.affectedCis.includes(related))
      .map((related) => ({ ci, related })),
  );
  if (pairs.length === 0) return undefined;
  const described = pairs.map(({ ci, related }) => `${related} (related to ${ci})`).join(', ');
  return {
    kind: 'related-ci-overlap',
    explanation: `${other.number} (${other.state}) changes ${described} at an overlapping time.`,
    cis: [...new Set(pairs.map(({ ci }) => ci))],
    otherChange: otherRef,
  } satisfies Conflict;
}

function describeSchedule(schedule: WeeklySchedule): string {
  const slots = schedule.slots.map((slot) => `${slot.day} ${slot.start}-${slot.end}`);
  return `${schedule.timeZone}: ${slots.join(', ') || 'no slot'}`;
}

/**
 * The conflicts of the change's planned window, in the order of ConflictKinds, then by other
 * change, blackout or CI as given. A change without a complete window has none yet.
 */
export function detectConflicts(change: Change, context: ConflictContext): Conflict[] {
  const window = plannedWindow(change);
  if (!window) return [];
  const overlapping = context.otherChanges.filter((other) => {
    const theirs = otherWindow(other);
    return other.id !== change.id && holdsWindow(other.state) && theirs && overlaps(window, theirs);
  });

  const conflicts: Conflict[] = [
    ...blackoutConflicts(window, change.affectedCis, context.blackouts),
  ];
  for (const other of overlapping) {
    const conflict = overlapConflict(change, other, context);
    if (conflict) conflicts.push(conflict);
  }
  if (change.assignee !== undefined) {
    for (const other of overlapping.filter((other) => other.assignee === change.assignee)) {
      conflicts.push({
        kind: 'assignee-booked',
        explanation: `${change.assignee} is assigned ${other.number} (${other.state}) at an overlapping time.`,
        cis: [],
        otherChange: { id: other.id, number: other.number, state: other.state },
      });
    }
  }
  for (const ci of change.affectedCis) {
    const schedule = context.maintenanceWindows[ci];
    if (schedule && !withinSchedule(window, schedule)) {
      conflicts.push({
        kind: 'outside-maintenance-window',
        explanation: `The window is not within the maintenance window of ${ci} (${describeSchedule(schedule)}).`,
        cis: [ci],
      });
    }
  }
  return conflicts
    .map((conflict, index) => ({ conflict, index }))
    .sort(
      (a, b) =>
        ConflictKinds.indexOf(a.conflict.kind) - ConflictKinds.indexOf(b.conflict.kind) ||
        a.index - b.index,
    )
    .map(({ conflict }) => conflict);
}

/** Who overrides a blackout for an emergency change, when, and why. */
export interface OverrideRequest {
  by: string;
  at: string;
  reason?: string;
}

export type ScheduleVerdict =
  | { allowed: true; override: ConflictOverride | undefined }
  | { allowed: false; blocking: Conflict[]; reasons: string[] };

function coveredByOverride(override: ConflictOverride | undefined, conflict: Conflict): boolean {
  return (
    override?.conflicts.some((overridden) => overridden.blackout?.id === conflict.blackout?.id) ??
    false
  );
}

/**
 * Whether the change may hold its window given its conflicts. A blackout blocks it, unless
 * the change is an emergency and someone records why it must go ahead (who, when, why, which
 * blackouts). A blackout the change's recorded override already names needs no new one. An
 * allowed verdict carries the override in force, to store on the change (none when no
 * blackout is in the way). Other conflicts never block.
 */
export function canSchedule(
  change: Change,
  conflicts: readonly Conflict[],
  override?: OverrideRequest,
): ScheduleVerdict {
  const blocking = conflicts.filter((conflict) => conflict.kind === 'blackout');
  if (blocking.length === 0) return { allowed: true, override: undefined };
  const explanations = blocking.map((conflict) => conflict.explanation);
  if (change.model !== 'emergency') {
    return {
      allowed: false,
      blocking,
      reasons: [
        `A ${change.model} change cannot be scheduled in a blackout window; only an emergency change may override it.`,
        ...explanations,
      ],
    };
  }
  const uncovered = blocking.filter(
    (conflict) => !coveredByOverride(change.conflictOverride, conflict),
  );
  if (uncovered.length === 0) return { allowed: true, override: change.conflictOverride };
  if (override === undefined || isBlank(override.reason)) {
    return {
      allowed: false,
      blocking: uncovered,
      reasons: [
        'An emergency change may be scheduled in a blackout window only with a recorded reason for the override.',
        ...uncovered.map((conflict) => conflict.explanation),
      ],
    };
  }
  return {
    allowed: true,
    override: {
      overriddenBy: override.by,
      overriddenAt: override.at,
      reason: override.reason as string,
      conflicts: blocking,
    },
  };
}

/**
 * A change refused its window: the problem+json body lists the blocking conflicts. A 409 like
 * any ConflictError (whose name it keeps, for the one error mapper).
 */
export class ScheduleBlockedError extends ConflictError {
  constructor(
    readonly reasons: readonly string[],
    readonly conflicts: readonly Conflict[],
  ) {
    super(reasons.join(' '));
  }
  override extensions() {
    return { conflicts: this.conflicts };
  }
}
