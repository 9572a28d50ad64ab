import type { FieldChange } from '../events/incidents';
import type * as z from '../zod';
import { withoutUndefined } from './values';

export interface Versioned {
  version: number;
  updatedAt: string;
}

/** Version and update time are bookkeeping, not changes a person made. */
const UNTRACKED_FIELDS: ReadonlySet<string> = new Set(['version', 'updatedAt']);

/**
 * Revisions of a versioned snapshot whose fields `schema` lists: the field-level differences
 * for the audit history (an absent value is reported as `null`, so the history stays explicit
 * once serialized: JSON and DynamoDB both drop `undefined`), and applying fields as the next
 * version.
 */
export function revisionsOf<T extends Versioned>(schema: z.ZodMiniObject) {
  const tracked = (Object.keys(schema.shape) as (keyof T & string)[]).filter(
    (field) => !UNTRACKED_FIELDS.has(field),
  );

  function diff(before: T, after: T): FieldChange[] {
    return tracked
      .filter((field) => before[field] !== after[field])
      .map((field) => ({ field, old: before[field] ?? null, new: after[field] ?? null }));
  }

  function revise(
    item: T,
    fields: Partial<T>,
    now: string,
  ): { revised: T; changes: FieldChange[] } {
    const revised = withoutUndefined({
      ...item,
      ...fields,
      version: item.version + 1,
      updatedAt: now,
    });
    return { revised, changes: diff(item, revised) };
  }

  return { diff, revise };
}
