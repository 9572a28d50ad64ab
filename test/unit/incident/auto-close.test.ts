import { describe, expect, it } from 'vitest';
import {
  autoCloseCutoff,
  isDueForAutoClose,
  SYSTEM_PRINCIPAL,
  transition,
} from '../../../functions/incident/domain';
import { IncidentStates } from '../../../shared/events/incidents';
import { anIncident } from './fixtures';

const NOW = '2025-03-08T12:00:00.000Z';
const WEEK_HOURS = 168;
const CUTOFF = '2025-03-01T12:00:00.000Z';

function resolvedAt(iso: string) {
  return anIncident('Resolved', { resolvedAt: iso });
}

describe('autoCloseCutoff', () => {
  it('is now minus the configured hours', () => {
    expect(autoCloseCutoff(NOW, WEEK_HOURS)).toBe(CUTOFF);
    expect(autoCloseCutoff(NOW, 1.5)).toBe('2025-03-08T10:30:00.000Z');
    expect(autoCloseCutoff(NOW, 0)).toBe(NOW);
  });

  it('normalizes to UTC with milliseconds, so it compares lexically with stored times', () => {
    expect(autoCloseCutoff('2025-03-08T13:00:00+01:00', 24)).toBe('2025-03-07T12:00:00.000Z');
  });

  it('rejects a time that is not ISO-8601', () => {
    expect(() => autoCloseCutoff('yesterday', 24)).toThrow(RangeError);
  });
});

describe('isDueForAutoClose', () => {
  it('is due exactly at the cutoff', () => {
    expect(isDueForAutoClose(resolvedAt(CUTOFF), NOW, WEEK_HOURS)).toBe(true);
  });

  it('is due one millisecond before the cutoff', () => {
    expect(isDueForAutoClose(resolvedAt('2025-03-01T11:59:59.999Z'), NOW, WEEK_HOURS)).toBe(true);
  });

  it('is not due one millisecond after the cutoff', () => {
    expect(isDueForAutoClose(resolvedAt('2025-03-01T12:00:00.001Z'), NOW, WEEK_HOURS)).toBe(false);
  });

  it('compares instants, not text', () => {
    expect(isDueForAutoClose(resolvedAt('2025-03-01T13:00:00+01:00'), NOW, WEEK_HOURS)).toBe(true);
  });

  it.each(IncidentStates.filter((state) => state !== 'Resolved'))(
    'is never due in state %s',
    (state) => {
      const incident = anIncident(state, { resolvedAt: '2020-01-01T00:00:00.000Z' });
      expect(isDueForAutoClose(incident, NOW, WEEK_HOURS)).toBe(false);
    },
  );

  it('is not due without a resolution time', () => {
    const { resolvedAt: _, ...withoutTime } = resolvedAt(CUTOFF);
    expect(isDueForAutoClose(withoutTime, NOW, WEEK_HOURS)).toBe(false);
  });

  it('a due incident can be closed by the system', () => {
    const result = transition(
      resolvedAt(CUTOFF),
      { action: 'close' },
      {
        actor: SYSTEM_PRINCIPAL,
        now: NOW,
      },
    );
    expect(result.incident).toMatchObject({ state: 'Closed', closedAt: NOW });
  });
});
