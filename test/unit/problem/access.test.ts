import { describe, expect, it } from 'vitest';
import {
  assertCanComment,
  assertCanView,
  assertCanWrite,
  canView,
  canWrite,
  ProblemStates,
} from '../../../functions/problem/domain';
import { Scopes } from '../../../shared/auth';
import { ConflictError, ForbiddenError } from '../../../shared/errors';
import { aProblem, principalNames, principals, READERS, thrownBy, WRITERS } from './fixtures';

describe('problem access', () => {
  it('names its scopes under the itsm resource server', () => {
    expect(Scopes).toMatchObject({
      problemsRead: 'itsm/problems.read',
      problemsWrite: 'itsm/problems.write',
    });
  });

  it.each(principalNames)(
    'lets %s view only when staff or a client with a problem scope',
    (name) => {
      const principal = principals[name];
      const expected = READERS.includes(name);
      expect(canView(principal)).toBe(expected);
      if (expected) expect(() => assertCanView(principal)).not.toThrow();
      else expect(thrownBy(() => assertCanView(principal))).toBeInstanceOf(ForbiddenError);
    },
  );

  it.each(principalNames)(
    'lets %s write only when staff or a client with problems.write',
    (name) => {
      const principal = principals[name];
      const expected = WRITERS.includes(name);
      expect(canWrite(principal)).toBe(expected);
      if (expected) expect(() => assertCanWrite(principal)).not.toThrow();
      else expect(thrownBy(() => assertCanWrite(principal))).toBeInstanceOf(ForbiddenError);
    },
  );

  it('keeps requesters away from problems even with a problems scope on their token', () => {
    expect(canView(principals.requesterWithWriteScope)).toBe(false);
    expect(canWrite(principals.requesterWithWriteScope)).toBe(false);
  });

  it('takes comments from writers while the problem is not read-only', () => {
    for (const state of ProblemStates) {
      const problem = aProblem(state);
      const readOnly = ['Closed', 'Duplicate', 'Canceled'].includes(state);
      if (readOnly) {
        expect(thrownBy(() => assertCanComment(problem, principals.agent))).toBeInstanceOf(
          ConflictError,
        );
      } else {
        expect(() => assertCanComment(problem, principals.agent)).not.toThrow();
      }
      expect(thrownBy(() => assertCanComment(problem, principals.readingClient))).toBeInstanceOf(
        ForbiddenError,
      );
    }
  });
});
