import { Service } from 'electrodb';
import { documentClient } from '../../shared/db/client';
import { counterEntity, findClaim, idempotencyEntity } from '../../shared/db/entities';
import { commitTransaction, journalPage, versionedWrite } from '../../shared/db/journal';
import type { ListPage } from '../../shared/db/listing';
import { allocateNumber } from '../../shared/db/numbers';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import type { IdempotencyClaim } from '../../shared/idempotency';
import type { HistoryEntry, UnitOfWork } from '../../shared/unit-of-work';
import { config } from './config';
import type { Release } from './domain';
import { releaseEntity, releaseHistoryEntity } from './entities';

/** Releases and their history (entities.ts); a release's state is derived, never stored. */
const store = new Service(
  {
    release: releaseEntity,
    history: releaseHistoryEntity,
    idempotency: idempotencyEntity,
    counter: counterEntity,
  },
  { client: documentClient, table: config[TABLE_NAME_ENV] },
);
const { release, history, idempotency, counter } = store.entities;

export const RELEASE_NUMBER_PREFIX = 'RLS';

/** A release as stored: the public snapshot plus the last event sequence handed out. */
export type StoredRelease = Release & { eventSequence: number };

/** A release use case's writes: the release (versioned), its history, an Idempotency-Key claim. */
export async function commitRelease(work: UnitOfWork<StoredRelease>): Promise<void> {
  await commitTransaction(
    store.transaction
      .write(({ release, history, idempotency }) => [
        ...(work.idempotency ? [idempotency.create(work.idempotency).commit()] : []),
        ...work.items.map(({ item, expectedVersion }) =>
          versionedWrite(release, item, expectedVersion),
        ),
        ...work.history.map((entry) => history.create(entry).commit()),
      ])
      .go(),
    work,
  );
}

export function allocateReleaseNumber(): Promise<string> {
  return allocateNumber(counter, RELEASE_NUMBER_PREFIX);
}

/** A strongly consistent read, so that a client reads its own writes (and their ETags). */
export async function getRelease(id: string): Promise<StoredRelease | undefined> {
  const { data } = await release.get({ id }).go({ consistent: true });
  return data ? (data as StoredRelease) : undefined;
}

/** The index only finds the id; the table read is fresh. */
export async function getReleaseByNumber(number: string): Promise<StoredRelease | undefined> {
  const { data } = await release.query.byNumber({ number }).go({ limit: 1, attributes: ['id'] });
  const id = data[0]?.id;
  return id === undefined ? undefined : getRelease(id);
}

/** Consistent: a create that lost the race for its key must see the winner's claim. */
export function getReleaseIdempotencyClaim(
  scope: string,
  key: string,
): Promise<IdempotencyClaim | undefined> {
  return findClaim(idempotency, scope, key);
}

/** A page of releases, newest first. */
export async function listReleases(
  page: ListPage,
): Promise<{ items: StoredRelease[]; cursor: string | null }> {
  const { data, cursor } = await release.query
    .byCreated({})
    .go({ limit: page.limit, cursor: page.cursor ?? null, order: 'desc' });
  return { items: data as StoredRelease[], cursor };
}

export function listReleaseHistory(
  aggregateId: string,
  page: ListPage,
): Promise<{ items: HistoryEntry[]; cursor: string | null }> {
  return journalPage<HistoryEntry>(history, aggregateId, page);
}
