import { describe, expect, it } from 'vitest';
import { transition as transitionIncident } from '../../../functions/incident/domain';
import {
  type IncidentRef,
  type ProblemTransitionCommand,
  transition,
  workaroundNotes,
} from '../../../functions/problem/domain';
import { incidentFollowUp, type ProblemTransition } from '../../../shared/domain/problem-follow-up';
import { ConflictError, ForbiddenError } from '../../../shared/errors';
import { HoldReasons, IncidentStates } from '../../../shared/events/incidents';
import { anIncident } from '../incident/fixtures';
import { anIncidentRef, aProblem, ctx, principals, thrownBy, validationIssues } from './fixtures';

const OPEN = ['New', 'In Progress', 'On Hold'];

/** Every incident state, and On Hold with every reason. */
const INCIDENTS: IncidentRef[] = [
  ...IncidentStates.filter((state) => state !== 'On Hold').map((state) =>
    anIncidentRef(`inc-${state}`, state),
  ),
  ...HoldReasons.map((holdReason) =>
    anIncidentRef(`inc-hold-${holdReason}`, 'On Hold', { holdReason }),
  ),
];

const AWAITING = anIncidentRef('inc-await', 'On Hold', { holdReason: 'Awaiting Problem' });

describe('workaroundNotes', () => {
  const knownError = aProblem('Root Cause Analysis', {
    knownError: true,
    rootCause: 'Queue disk full',
    workaround: 'Purge the deferred queue',
  });

  it('plans one note for each open linked incident', () => {
    const notes = workaroundNotes(knownError, INCIDENTS, principals.agent);
    expect(notes.map((note) => note.incidentId)).toEqual(
      INCIDENTS.filter((incident) => OPEN.includes(incident.state)).map((incident) => incident.id),
    );
    for (const note of notes) {
      expect(note.body).toBe('Workaround from PRB0001001: Purge the deferred queue');
    }
    expect(new Set(notes.map((note) => note.commentId)).size).toBe(notes.length);
  });

  it('gives the same note ids again, and new ones for a revised workaround', () => {
    const incidents = [anIncidentRef('inc-1'), anIncidentRef('inc-1')];
    const first = workaroundNotes(knownError, incidents, principals.agent);
    expect(first).toHaveLength(1);
    expect(workaroundNotes({ ...knownError, version: 9 }, incidents, principals.system)).toEqual(
      first,
    );
    const revised = workaroundNotes(
      { ...knownError, workaround: 'Restart the relay' },
      incidents,
      principals.agent,
    );
    expect(revised[0]?.commentId).not.toBe(first[0]?.commentId);
  });

  it('needs a documented workaround', () => {
    expect(
      validationIssues(() =>
        workaroundNotes(aProblem('Assess', { workaround: ' ' }), INCIDENTS, principals.agent),
      ),
    ).toEqual([expect.objectContaining({ field: 'workaround' })]);
  });

  it('is refused for read-only problems and to non-writers', () => {
    const closed = { ...knownError, state: 'Closed' as const };
    expect(thrownBy(() => workaroundNotes(closed, INCIDENTS, principals.agent))).toBeInstanceOf(
      ConflictError,
    );
    expect(
      thrownBy(() => workaroundNotes(knownError, INCIDENTS, principals.readingClient)),
    ).toBeInstanceOf(ForbiddenError);
  });
});

function problemTransition(
  state: Parameters<typeof aProblem>[0],
  command: ProblemTransitionCommand,
  overrides = {},
): ProblemTransition {
  const { problem, from, to } = transition(aProblem(state, overrides), command, ctx());
  return { problem, action: command.action, from, to };
}

const FIX_APPLIED = problemTransition('Fix in Progress', {
  action: 'resolve',
  resolutionCode: 'Fix Applied',
  resolutionNotes: 'Moved the queue to a larger disk',
});
const RISK_ACCEPTED = problemTransition(
  'Root Cause Analysis',
  { action: 'resolve', resolutionCode: 'Risk Accepted', resolutionNotes: 'Relay retires soon' },
  { workaround: 'Purge the deferred queue' },
);
const CANCELED = problemTransition('Assess', { action: 'cancel', comment: 'Not a problem' });

describe('incidentFollowUp', () => {
  it('resolves incidents awaiting the problem when a fix is applied', () => {
    const followUp = incidentFollowUp(FIX_APPLIED, AWAITING);
    expect(followUp).toEqual({
      action: 'resolve',
      resolutionCode: 'Resolved by Problem',
      resolutionNotes: 'Fixed by PRB0001001: Moved the queue to a larger disk',
    });
  });

  it('plans a resolve the incident domain accepts', () => {
    const followUp = incidentFollowUp(FIX_APPLIED, AWAITING);
    if (followUp?.action !== 'resolve') throw new Error('expected a resolve');
    const incident = anIncident('On Hold', { holdReason: 'Awaiting Problem' });
    const result = transitionIncident(incident, followUp, ctx(principals.system));
    expect(result.incident).toMatchObject({
      state: 'Resolved',
      resolutionCode: 'Resolved by Problem',
    });
  });

  it('only notes other open incidents when a fix is applied', () => {
    const others = INCIDENTS.filter(
      (each) => OPEN.includes(each.state) && each.holdReason !== 'Awaiting Problem',
    );
    expect(others).toHaveLength(5);
    for (const incident of others) {
      expect(incidentFollowUp(FIX_APPLIED, incident)).toMatchObject({
        action: 'addWorkNote',
        body: 'PRB0001001 was resolved with a fix applied: Moved the queue to a larger disk. Check whether it solves this incident too.',
      });
    }
  });

  it('only notes open incidents, awaiting ones included, when the risk is accepted', () => {
    for (const incident of [AWAITING, ...INCIDENTS.filter((each) => OPEN.includes(each.state))]) {
      expect(incidentFollowUp(RISK_ACCEPTED, incident)).toMatchObject({
        action: 'addWorkNote',
        body: 'PRB0001001 was resolved with the risk accepted; no fix will follow: Relay retires soon. Workaround: Purge the deferred queue',
      });
    }
  });

  it('notes open incidents when the problem is canceled', () => {
    expect(incidentFollowUp(CANCELED, AWAITING)).toMatchObject({
      action: 'addWorkNote',
      body: 'PRB0001001 was canceled; no fix will follow.',
    });
  });

  it('plans nothing for incidents no longer open', () => {
    for (const change of [FIX_APPLIED, RISK_ACCEPTED, CANCELED]) {
      for (const incident of INCIDENTS.filter((each) => !OPEN.includes(each.state))) {
        expect(incidentFollowUp(change, incident)).toBeUndefined();
      }
    }
  });

  it('plans nothing for the other transitions', () => {
    const others = [
      problemTransition('New', { action: 'assess' }),
      problemTransition('Assess', { action: 'analyse' }),
      problemTransition('Root Cause Analysis', { action: 'fix', rootCause: 'Disk' }),
      problemTransition('Resolved', { action: 'close' }),
      problemTransition('Closed', { action: 'reanalyse' }),
      problemTransition('Assess', { action: 'markDuplicate', duplicateOf: 'prb-kept' }),
    ];
    for (const change of others) {
      for (const incident of [AWAITING, ...INCIDENTS]) {
        expect(incidentFollowUp(change, incident)).toBeUndefined();
      }
    }
  });

  it('gives a replayed event the same note id, and each incident its own', () => {
    const first = incidentFollowUp(CANCELED, AWAITING);
    expect(incidentFollowUp(CANCELED, AWAITING)).toEqual(first);
    const other = incidentFollowUp(CANCELED, anIncidentRef('inc-other'));
    expect(other).toMatchObject({ action: 'addWorkNote' });
    expect(other).not.toEqual(first);
  });
});
