import * as z from '../../../shared/zod';
import { type Change, isSuccessfulOutcome } from './model';
import { contains } from './schedule';

/**
 * A release groups changes with a target window (`/releases`). Its state is never set: it
 * follows its changes (`releaseStatus`).
 */
export const ReleaseSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    name: z.string().check(z.minLength(1)),
    description: z.optional(z.string()),
    targetStart: z.iso.datetime(),
    targetEnd: z.iso.datetime(),
    changeIds: z.array(z.string()),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.int().check(z.positive()),
  })
  .check(
    z.refine((release) => Date.parse(release.targetEnd) > Date.parse(release.targetStart), {
      message: 'must end after it starts',
      path: ['targetEnd'],
    }),
  );
export type Release = z.infer<typeof ReleaseSchema>;

export const ReleaseStates = [
  'planned',
  'in-progress',
  'deployed',
  'needs-attention',
  'canceled',
] as const;
export type ReleaseState = (typeof ReleaseStates)[number];

export type ReleaseMember = Pick<
  Change,
  'id' | 'number' | 'state' | 'outcome' | 'plannedStart' | 'plannedEnd'
>;

export interface ReleaseStatus {
  state: ReleaseState;
  reasons: string[];
  /** Changes whose planned window is not within the release's target window. */
  outsideTargetWindow: string[];
  /** Change ids the release lists but `changes` lacks: they count as not deployed. */
  missing: string[];
}

function isImplemented(change: ReleaseMember): boolean {
  return (
    (change.state === 'Review' || change.state === 'Closed') && isSuccessfulOutcome(change.outcome)
  );
}

function hasFailed(change: ReleaseMember): boolean {
  return change.outcome === 'failed' || change.outcome === 'backed-out';
}

const STARTED_STATES: readonly Change['state'][] = ['Implement', 'Review', 'Closed'];

/**
 * The state a release's changes give it, first rule that applies:
 * 1. needs-attention: a change failed or was backed out;
 * 2. canceled: it has changes and all were canceled;
 * 3. deployed: every change not canceled is implemented (reviewed or closed, successful or
 *    successful with issues), none missing;
 * 4. in-progress: a change is being or was implemented;
 * 5. planned: otherwise, including a release without changes.
 * Canceled changes are withdrawn from the release and do not hold it back.
 */
export function releaseStatus(release: Release, changes: readonly ReleaseMember[]): ReleaseStatus {
  const byId = new Map(changes.map((change) => [change.id, change]));
  const members = release.changeIds.flatMap((id) => byId.get(id) ?? []);
  const missing = release.changeIds.filter((id) => !byId.has(id));
  const target = { start: release.targetStart, end: release.targetEnd };
  const outsideTargetWindow = members
    .filter(
      (change) =>
        change.state !== 'Canceled' &&
        change.plannedStart !== undefined &&
        change.plannedEnd !== undefined &&
        !contains(target, { start: change.plannedStart, end: change.plannedEnd }),
    )
    .map((change) => change.id);
  const status = (state: ReleaseState, reasons: string[]): ReleaseStatus => ({
    state,
    reasons,
    outsideTargetWindow,
    missing,
  });
  const numbers = (list: readonly ReleaseMember[]) =>
    list.map((change) => change.number).join(', ');

  const failed = members.filter(hasFailed);
  if (failed.length > 0) {
    return status('needs-attention', [`Failed or backed out: ${numbers(failed)}.`]);
  }
  const active = members.filter((change) => change.state !== 'Canceled');
  if (members.length > 0 && active.length === 0 && missing.length === 0) {
    return status('canceled', ['Every change of the release was canceled.']);
  }
  const pending = active.filter((change) => !isImplemented(change));
  if (active.length > 0 && pending.length === 0 && missing.length === 0) {
    return status('deployed', [`Every change is implemented: ${numbers(active)}.`]);
  }
  const started = active.filter((change) => STARTED_STATES.includes(change.state));
  const waiting = [
    ...(pending.length > 0 ? [`Not yet implemented: ${numbers(pending)}.`] : []),
    ...(missing.length > 0 ? [`Unknown changes: ${missing.join(', ')}.`] : []),
  ];
  if (started.length > 0) {
    return status('in-progress', [`Implementation has begun: ${numbers(started)}.`, ...waiting]);
  }
  return status(
    'planned',
    release.changeIds.length === 0 ? ['The release has no changes yet.'] : waiting,
  );
}
