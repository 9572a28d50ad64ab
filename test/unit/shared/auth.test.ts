import { describe, expect, it } from 'vitest';
import { principalFromClaims } from '../../../shared/auth';
import { UnauthorizedError } from '../../../shared/errors';

describe('principalFromClaims', () => {
  it('takes the highest role from the Cognito groups', () => {
    expect(
      principalFromClaims({ sub: 'u1', client_id: 'app', 'cognito:groups': ['agent', 'admin'] }),
    ).toMatchObject({
      id: 'u1',
      kind: 'user',
      role: 'admin',
    });
    expect(
      principalFromClaims({ sub: 'u1', client_id: 'app', 'cognito:groups': ['agent'] }).role,
    ).toBe('agent');
  });

  it('reads the groups as the HTTP API JWT authorizer flattens them', () => {
    expect(
      principalFromClaims({ sub: 'u1', client_id: 'app', 'cognito:groups': '[requester agent]' })
        .role,
    ).toBe('agent');
  });

  it('makes a person in no group a requester', () => {
    expect(principalFromClaims({ sub: 'u1', client_id: 'app' })).toMatchObject({
      kind: 'user',
      role: 'requester',
    });
  });

  it('recognises machine clients (sub equals client_id, no groups) and their scopes', () => {
    const principal = principalFromClaims({
      sub: 'monitoring',
      client_id: 'monitoring',
      scope: 'itsm/incidents.read itsm/incidents.write',
    });
    expect(principal).toMatchObject({ id: 'monitoring', kind: 'client', role: undefined });
    expect([...principal.scopes]).toEqual(['itsm/incidents.read', 'itsm/incidents.write']);
  });

  it('refuses claims without a subject', () => {
    expect(() => principalFromClaims({ client_id: 'x' })).toThrow(UnauthorizedError);
    expect(() => principalFromClaims(undefined)).toThrow(UnauthorizedError);
  });
});
