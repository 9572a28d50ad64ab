import { Entity } from 'electrodb';
import type { CommentRecord, UnitOfWork } from '../unit-of-work';
import { SERVICE } from './entities';
import type { ListPage } from './listing';
import { TABLE_KEYS } from './table';
import { cancellationError } from './transactions';

/**
 * The audit history and the comments of an aggregate, one item each, in the aggregate's own
 * partition family (`entity` names it: incidentHistory, problemComment, ...). Every area that
 * keeps a journal uses these two shapes.
 */
export function historyEntity<const Name extends string>(entity: Name) {
  return new Entity({
    model: { entity, version: '1', service: SERVICE },
    attributes: {
      aggregateId: { type: 'string', required: true },
      // Zero-padded in the sort key so that version 10 sorts after version 9.
      version: { type: 'number', required: true, padding: { length: 10, char: '0' } },
      at: { type: 'string', required: true },
      actor: {
        type: 'map',
        required: true,
        properties: {
          id: { type: 'string', required: true },
          kind: { type: ['user', 'client', 'system'] as const, required: true },
          role: { type: ['requester', 'agent', 'admin'] as const },
        },
      },
      action: { type: 'string', required: true },
      changes: {
        type: 'list',
        required: true,
        items: {
          type: 'map',
          properties: {
            field: { type: 'string', required: true },
            old: { type: 'any' },
            new: { type: 'any' },
          },
        },
      },
    },
    indexes: {
      primary: {
        pk: { field: TABLE_KEYS.partitionKey, composite: ['aggregateId'] },
        sk: { field: TABLE_KEYS.sortKey, composite: ['version'] },
      },
    },
  });
}

export function commentEntity<const Name extends string>(entity: Name) {
  return new Entity({
    model: { entity, version: '1', service: SERVICE },
    attributes: {
      aggregateId: { type: 'string', required: true },
      commentId: { type: 'string', required: true },
      visibility: { type: ['public', 'internal'] as const, required: true },
      author: { type: 'string', required: true },
      body: { type: 'string', required: true },
      createdAt: { type: 'string', required: true },
    },
    indexes: {
      primary: {
        pk: { field: TABLE_KEYS.partitionKey, composite: ['aggregateId'] },
        sk: { field: TABLE_KEYS.sortKey, composite: ['createdAt', 'commentId'] },
      },
    },
  });
}

/** What ElectroDB's transaction builders offer per entity, as far as a versioned write needs. */
interface VersionedEntity<Item, Commit, Condition> {
  create(item: Item): { commit(): Commit };
  put(item: Item): { where(condition: Condition): { commit(): Commit } };
}

type VersionCondition = (
  attributes: { version: unknown },
  operations: { eq: (attribute: unknown, value: unknown) => string },
) => string;

/** A new aggregate must not exist yet; a revision must find the version it was based on. */
export function versionedWrite<Item, Commit, Condition>(
  entity: VersionedEntity<Item, Commit, Condition>,
  item: Item,
  expectedVersion: number | undefined,
): Commit {
  if (expectedVersion === undefined) return entity.create(item).commit();
  const sameVersion: VersionCondition = (attributes, { eq }) =>
    eq(attributes.version, expectedVersion);
  // Every versioned entity has a numeric `version`; Electro types the callback per entity.
  return entity
    .put(item)
    .where(sameVersion as Condition)
    .commit();
}

/**
 * Runs a write transaction laid out as shared/db/transactions.ts describes, and turns a
 * cancellation into the error that explains it.
 */
export async function commitTransaction(
  write: Promise<{ canceled: boolean; data: unknown }>,
  work: Pick<UnitOfWork<{ id: string }>, 'items' | 'idempotency'>,
  layout: { leadingClaims?: number } = {},
): Promise<void> {
  const result = await write;
  if (!result.canceled) return;
  const reasons = (result.data as Array<{ code: string }>).map((entry) => entry.code);
  throw cancellationError(reasons, {
    claims: (work.idempotency === undefined ? 0 : 1) + (layout.leadingClaims ?? 0),
    versionedIds: work.items.map(({ item }) => item.id),
  });
}

/** The API's view of a comment: its id without the storage names. */
export function commentView(record: CommentRecord) {
  const { commentId, aggregateId: _aggregate, ...rest } = record;
  return { id: commentId, ...rest };
}

/** What a journal entity's query offers, as far as paging it needs. */
interface JournalQuery {
  query: {
    primary(key: { aggregateId: string }): {
      go(options: {
        limit: number;
        cursor: string | null;
        order: 'asc';
      }): Promise<{ data: unknown[]; cursor: string | null }>;
    };
  };
}

/** What a comment entity's get offers, as far as reading one comment needs. */
interface CommentGet {
  get(key: { aggregateId: string; createdAt: string; commentId: string }): {
    go(options: { consistent: true }): Promise<{ data: unknown }>;
  };
}

/** One comment of an aggregate by its key (strongly consistent), or undefined. */
export async function journalComment(
  entity: CommentGet,
  key: { aggregateId: string; createdAt: string; commentId: string },
): Promise<CommentRecord | undefined> {
  const { data } = await entity.get(key).go({ consistent: true });
  return (data as CommentRecord | null) ?? undefined;
}

/**
 * A page of an aggregate's history or comments, oldest first. `Item` is the record the entity
 * stores (HistoryEntry, CommentRecord): Electro types nested lists more loosely.
 */
export async function journalPage<Item>(
  entity: JournalQuery,
  aggregateId: string,
  page: ListPage,
): Promise<{ items: Item[]; cursor: string | null }> {
  const { data, cursor } = await entity.query
    .primary({ aggregateId })
    .go({ limit: page.limit, cursor: page.cursor ?? null, order: 'asc' });
  return { items: data as Item[], cursor };
}
