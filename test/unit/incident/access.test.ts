import { describe, expect, it } from 'vitest';
import {
  assertCanComment,
  assertCanCreate,
  assertCanList,
  assertCanUpdate,
  canView,
  forbiddenCreateFields,
  forbiddenPatchFields,
  isSystemPrincipal,
  SYSTEM_PRINCIPAL,
} from '../../../functions/incident/domain';
import { Scopes } from '../../../shared/auth';
import { ConflictError, ForbiddenError, ValidationError } from '../../../shared/errors';
import { IncidentStates } from '../../../shared/events/incidents';
import {
  anIncident,
  type PrincipalName,
  principalNames,
  principals,
  validationIssues,
} from './fixtures';

const PATCH_FIELDS = [
  'shortDescription',
  'description',
  'category',
  'impact',
  'urgency',
  'caller',
  'configurationItem',
  'assignmentGroup',
  'assignee',
  'channel',
];

describe('assertCanList', () => {
  // Requesters may list (their own incidents: the use case restricts the query).
  const allowed: Record<PrincipalName, boolean> = {
    caller: true,
    otherRequester: true,
    agent: true,
    admin: true,
    roleless: false,
    writingClient: true,
    readingClient: true,
    scopelessClient: false,
    requesterWithWriteScope: true,
    system: true,
  };
  it.each(principalNames)('%s', (name) => {
    const attempt = () => assertCanList(principals[name]);
    if (allowed[name]) expect(attempt).not.toThrow();
    else expect(attempt).toThrow(ForbiddenError);
  });
});

describe('canView', () => {
  // The fixture incident's caller is principals.caller.
  const expected: Record<PrincipalName, boolean> = {
    caller: true,
    otherRequester: false,
    agent: true,
    admin: true,
    roleless: false,
    writingClient: true,
    readingClient: true,
    scopelessClient: false,
    requesterWithWriteScope: false,
    system: true,
  };
  it.each(principalNames)('%s', (name) => {
    expect(canView(anIncident(), principals[name])).toBe(expected[name]);
  });

  it('a requester sees an incident once they are its caller', () => {
    const incident = anIncident('New', { caller: principals.otherRequester.id });
    expect(canView(incident, principals.otherRequester)).toBe(true);
    expect(canView(incident, principals.caller)).toBe(false);
  });

  it('an agent sees incidents of any caller', () => {
    expect(canView(anIncident('New', { caller: 'someone' }), principals.agent)).toBe(true);
  });
});

describe('assertCanCreate', () => {
  const allowed: Record<PrincipalName, boolean> = {
    caller: true,
    otherRequester: true,
    agent: true,
    admin: true,
    roleless: false,
    writingClient: true,
    readingClient: false,
    scopelessClient: false,
    requesterWithWriteScope: true,
    system: true,
  };
  it.each(principalNames)('%s', (name) => {
    const attempt = () => assertCanCreate(principals[name]);
    if (allowed[name]) expect(attempt).not.toThrow();
    else expect(attempt).toThrow(ForbiddenError);
  });
});

describe('assertCanUpdate', () => {
  const allowed: Record<PrincipalName, boolean> = {
    caller: false,
    otherRequester: false,
    agent: true,
    admin: true,
    roleless: false,
    writingClient: true,
    readingClient: false,
    scopelessClient: false,
    requesterWithWriteScope: false,
    system: true,
  };
  it.each(principalNames)('%s', (name) => {
    const attempt = () => assertCanUpdate(principals[name]);
    if (allowed[name]) expect(attempt).not.toThrow();
    else expect(attempt).toThrow(ForbiddenError);
  });
});

describe('forbidden fields', () => {
  it('requesters may not set caller, impact, assignment or parent on create', () => {
    expect([...forbiddenCreateFields(principals.caller)].sort()).toEqual(
      ['assignee', 'assignmentGroup', 'caller', 'impact', 'parentId'].sort(),
    );
  });

  it('requesters may not patch any field', () => {
    expect([...forbiddenPatchFields(principals.caller)].sort()).toEqual([...PATCH_FIELDS].sort());
  });

  it.each(['agent', 'admin', 'writingClient', 'system'] as const)(
    '%s may set every field',
    (name) => {
      expect(forbiddenCreateFields(principals[name])).toEqual([]);
      expect(forbiddenPatchFields(principals[name])).toEqual([]);
    },
  );
});

describe('assertCanComment', () => {
  type Outcome = 'ok' | 'forbidden' | 'invalid';
  const expected: Record<PrincipalName, { public: Outcome; internal: Outcome }> = {
    caller: { public: 'ok', internal: 'invalid' },
    otherRequester: { public: 'forbidden', internal: 'forbidden' },
    agent: { public: 'ok', internal: 'ok' },
    admin: { public: 'ok', internal: 'ok' },
    roleless: { public: 'forbidden', internal: 'forbidden' },
    writingClient: { public: 'ok', internal: 'ok' },
    readingClient: { public: 'forbidden', internal: 'forbidden' },
    scopelessClient: { public: 'forbidden', internal: 'forbidden' },
    requesterWithWriteScope: { public: 'forbidden', internal: 'forbidden' },
    system: { public: 'ok', internal: 'ok' },
  };
  const cases = principalNames.flatMap((name) =>
    (['public', 'internal'] as const).map((visibility) => ({
      name,
      visibility,
      outcome: expected[name][visibility],
    })),
  );

  it.each(cases)('$name, $visibility: $outcome', ({ name, visibility, outcome }) => {
    const attempt = () => assertCanComment(anIncident('In Progress'), visibility, principals[name]);
    if (outcome === 'ok') expect(attempt).not.toThrow();
    if (outcome === 'forbidden') expect(attempt).toThrow(ForbiddenError);
    if (outcome === 'invalid') {
      expect(attempt).toThrow(ValidationError);
      expect(validationIssues(attempt)).toEqual([expect.objectContaining({ field: 'visibility' })]);
    }
  });

  it.each(IncidentStates)(
    'in state %s, comments are accepted unless the incident is closed or canceled',
    (state) => {
      const attempt = () => assertCanComment(anIncident(state), 'public', principals.agent);
      if (state === 'Closed' || state === 'Canceled') expect(attempt).toThrow(ConflictError);
      else expect(attempt).not.toThrow();
    },
  );

  it('a caller may comment publicly on their Resolved incident', () => {
    expect(() =>
      assertCanComment(anIncident('Resolved'), 'public', principals.caller),
    ).not.toThrow();
  });
});

describe('SYSTEM_PRINCIPAL', () => {
  it('is a machine client holding both incident scopes', () => {
    expect(SYSTEM_PRINCIPAL.kind).toBe('client');
    expect(SYSTEM_PRINCIPAL.scopes.has(Scopes.incidentsRead)).toBe(true);
    expect(SYSTEM_PRINCIPAL.scopes.has(Scopes.incidentsWrite)).toBe(true);
  });

  it('is recognized as the system, unlike other clients and people', () => {
    expect(isSystemPrincipal(SYSTEM_PRINCIPAL)).toBe(true);
    expect(isSystemPrincipal(principals.writingClient)).toBe(false);
    expect(isSystemPrincipal({ ...principals.agent, id: 'system' })).toBe(false);
  });
});
