import { Service } from 'electrodb';
import { documentClient } from '../../shared/db/client';
import { findClaim, idempotencyEntity, outboxEntity } from '../../shared/db/entities';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { cancellationError, outboxItem } from '../../shared/db/transactions';
import type { CiSource } from '../../shared/events/cmdb';
import type { OutboxEvent } from '../../shared/events/domain-event';
import type { IdempotencyClaim } from '../../shared/idempotency';
import { config } from './config';
import type { ConfigurationItem, RelationshipType } from './domain';
import { ciEntity } from './entities';

const store = new Service(
  { ci: ciEntity, outbox: outboxEntity, idempotency: idempotencyEntity },
  { client: documentClient, table: config[TABLE_NAME_ENV] },
);
const { ci, idempotency } = store.entities;

/** One end's view of a relationship: `{ type: 'runs_on', target }` on the CI that runs. */
export interface CiEdge {
  type: RelationshipType;
  target: string;
}

/** A CI as stored: the domain item plus bookkeeping and its adjacency list. */
export type StoredCi = ConfigurationItem & {
  source: CiSource;
  capturedAt?: string;
  fingerprint: string;
  edges: CiEdge[];
  createdAt: string;
  updatedAt: string;
  version: number;
  eventSequence: number;
};

export interface CiWrite {
  ci: StoredCi;
  /** The version the write is conditional on; absent for a new CI. */
  expectedVersion?: number;
}

/** Everything one use case changes, written in one DynamoDB transaction. */
export interface UnitOfWork {
  cis: CiWrite[];
  events: OutboxEvent[];
  /** The Idempotency-Key claim of a create, written (once) with the CI. */
  idempotency?: IdempotencyClaim;
}

export async function commit(work: UnitOfWork): Promise<void> {
  const result = await store.transaction
    .write(({ ci, outbox, idempotency }) => [
      ...(work.idempotency ? [idempotency.create(work.idempotency).commit()] : []),
      ...work.cis.map(({ ci: stored, expectedVersion }) => {
        const item = toItem(stored);
        return expectedVersion === undefined
          ? ci.create(item).commit()
          : ci
              .put(item)
              .where((attributes, { eq }) => eq(attributes.version, expectedVersion))
              .commit();
      }),
      ...work.events.map((event) => outbox.create(outboxItem(event)).commit()),
    ])
    .go();
  if (!result.canceled) return;
  const reasons = (result.data as Array<{ code: string }>).map((entry) => entry.code);
  throw cancellationError(reasons, {
    claims: work.idempotency === undefined ? 0 : 1,
    versionedIds: work.cis.map(({ ci }) => ci.id),
  });
}

type Item = StoredCi & { groupListedAt?: string; arn?: string };

function toItem(stored: StoredCi): Item {
  const arn = stored.attributes.arn;
  return {
    ...stored,
    groupListedAt: stored.ownerGroup ? `${stored.createdAt}#${stored.id}` : undefined,
    arn: typeof arn === 'string' ? arn : undefined,
  };
}

function fromItem(item: Item): StoredCi {
  const { groupListedAt: _groupIndexOnly, arn: _arnIndexOnly, ...stored } = item;
  return stored as StoredCi;
}

/** A strongly consistent read, so that a client reads its own writes (and their ETags). */
export async function getCi(id: string): Promise<StoredCi | undefined> {
  const { data } = await ci.get({ id }).go({ consistent: true });
  return data ? fromItem(data as Item) : undefined;
}

export function getIdempotencyClaim(
  scope: string,
  key: string,
): Promise<IdempotencyClaim | undefined> {
  return findClaim(idempotency, scope, key);
}

export interface ListCisQuery {
  ownerGroup?: string;
  lifecycleState?: StoredCi['lifecycleState'];
  ciClass?: StoredCi['ciClass'];
  /** Items read per page: with a class filter a page may hold fewer matches than this. */
  limit: number;
  cursor?: string | null;
}

export type CiListIndex = 'byGroup' | 'byState' | 'byCreated';

/** The owner group is the more selective index; the class is always a residual filter. */
export function chooseCiListIndex(query: ListCisQuery): CiListIndex {
  if (query.ownerGroup !== undefined) return 'byGroup';
  if (query.lifecycleState !== undefined) return 'byState';
  return 'byCreated';
}

type Where = Parameters<ReturnType<typeof ci.query.byCreated>['where']>[0];

/** Newest first; every list is a Query on one index, never a Scan. */
export async function listCis(
  query: ListCisQuery,
): Promise<{ items: StoredCi[]; cursor: string | null; index: CiListIndex }> {
  const index = chooseCiListIndex(query);
  const base =
    index === 'byGroup'
      ? ci.query.byGroup({ ownerGroup: query.ownerGroup as string })
      : index === 'byState'
        ? ci.query.byState({
            lifecycleState: query.lifecycleState as StoredCi['lifecycleState'],
          })
        : ci.query.byCreated({});
  const residual: Where = (attributes, { eq }) =>
    [
      query.ciClass !== undefined ? eq(attributes.ciClass, query.ciClass) : '',
      index !== 'byState' && query.lifecycleState !== undefined
        ? eq(attributes.lifecycleState, query.lifecycleState)
        : '',
    ]
      .filter(Boolean)
      .join(' AND ');
  const { data, cursor } = await (base as ReturnType<typeof ci.query.byCreated>)
    .where(residual)
    .go({ limit: query.limit, cursor: query.cursor ?? null, order: 'desc' });
  return { items: data.map((item) => fromItem(item as Item)), cursor, index };
}
