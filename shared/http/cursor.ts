import { createHash } from 'node:crypto';
import { ValidationError } from '../errors';

/**
 * Opaque pagination cursors. The storage cursor is wrapped together with a fingerprint of
 * the query it belongs to, so a cursor replayed with other filters is refused instead of
 * silently returning a wrong page.
 */
export function fingerprint(query: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.entries(query)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

export function encodeCursor(
  storageCursor: string | null,
  query: Record<string, unknown>,
): string | null {
  if (!storageCursor) return null;
  return Buffer.from(JSON.stringify({ c: storageCursor, q: fingerprint(query) })).toString(
    'base64url',
  );
}

export function decodeCursor(
  cursor: string | undefined,
  query: Record<string, unknown>,
): string | null {
  if (!cursor) return null;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      c?: unknown;
      q?: unknown;
    };
    if (typeof decoded.c === 'string' && decoded.q === fingerprint(query)) return decoded.c;
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError([
    {
      field: 'query.cursor',
      message: 'expected a cursor returned by this list with the same filters',
    },
  ]);
}
