import { describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError } from '../../../shared/errors';
import {
  claimFor,
  replayOf,
  requestHash,
  workNoteClaim,
  workNoteRequest,
} from '../../../shared/idempotency';

describe('idempotency claims', () => {
  it('hash bodies independently of key order, and differently when a value differs', () => {
    expect(requestHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(
      requestHash({ b: { d: [1, 2], c: 2 }, a: 1 }),
    );
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
    expect(requestHash({ list: [1, 2] })).not.toBe(requestHash({ list: [2, 1] }));
  });

  it('claim a key for a day', () => {
    const claim = claimFor(
      { scope: 's', key: 'k', input: { a: 1 } },
      'r-1',
      '2026-01-01T00:00:00.000Z',
    );
    expect(claim).toMatchObject({
      scope: 's',
      key: 'k',
      resourceId: 'r-1',
      requestHash: requestHash({ a: 1 }),
    });
    expect(claim.expiresAt).toBe(Date.parse('2026-01-01T00:00:00.000Z') / 1000 + 24 * 3600);
  });

  it('keep the claim of a work note an event gave, without expiry, per aggregate and note', () => {
    const request = workNoteRequest('incident', 'inc-1', { commentId: 'note-1', body: 'Fixed' });
    const claim = workNoteClaim(request, '2026-01-01T00:00:00.000Z');
    expect(claim).toEqual({
      scope: 'incident-work-note:inc-1',
      key: 'note-1',
      requestHash: requestHash({ body: 'Fixed' }),
      resourceId: 'note-1',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect('expiresAt' in claim).toBe(false);
  });

  it('replay the earlier resource for the same body and refuse another body', () => {
    const earlier = claimFor(
      { scope: 's', key: 'k', input: { a: 1 } },
      'r-1',
      '2026-01-01T00:00:00.000Z',
    );
    expect(replayOf(earlier, { key: 'k', input: { a: 1 } })).toBe('r-1');
    expect(() => replayOf(earlier, { key: 'k', input: { a: 2 } })).toThrow(
      IdempotencyKeyReusedError,
    );
  });
});
