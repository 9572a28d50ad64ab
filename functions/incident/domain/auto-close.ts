import type { Incident } from './model';

const MS_PER_HOUR = 3_600_000;

/**
 * The latest `resolvedAt` that is due for auto-close at `now`: resolved incidents close once
 * the configured time has fully passed. ISO-8601 in UTC with milliseconds, so it compares
 * lexically with timestamps written by `Date.prototype.toISOString`.
 */
export function autoCloseCutoff(now: string, autoCloseAfterHours: number): string {
  return new Date(Date.parse(now) - autoCloseAfterHours * MS_PER_HOUR).toISOString();
}

export function isDueForAutoClose(
  incident: Incident,
  now: string,
  autoCloseAfterHours: number,
): boolean {
  return (
    incident.state === 'Resolved' &&
    incident.resolvedAt !== undefined &&
    Date.parse(incident.resolvedAt) <= Date.parse(autoCloseCutoff(now, autoCloseAfterHours))
  );
}
