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
  throw invalidCursor();
}

function invalidCursor(): ValidationError {
  return new ValidationError([
    {
      field: 'query.cursor',
      message: 'expected a cursor returned by this list with the same filters',
    },
  ]);
}

/**
 * The fingerprint binds a cursor to its query but is no secret, so a client can wrap a
 * storage cursor of its own making. ElectroDB refuses one it cannot parse, DynamoDB a start
 * key that does not fit the query (ElectroDB passes its error on as the cause): either is the
 * client's bad cursor, a 400 like any other, not a failure of ours.
 */
export function asCursorRefusal(error: unknown): ValidationError | undefined {
  if (!(error instanceof Error)) return undefined;
  const unparsable = error.message.startsWith('Unable to parse cursor');
  const { cause } = error as { cause?: { name?: string; message?: string } };
  const startKeyRefused =
    cause?.name === 'ValidationException' && /start(ing)? key/i.test(cause.message ?? '');
  return unparsable || startKeyRefused ? invalidCursor() : undefined;
}
