import { Service } from 'electrodb';
import { documentClient } from '../../shared/db/client';
import { configurationItemReference } from '../../shared/db/configuration-item-reference';
import {
  counterEntity,
  findClaim,
  idempotencyEntity,
  outboxEntity,
} from '../../shared/db/entities';
import {
  commitTransaction,
  journalComment,
  journalPage,
  versionedWrite,
} from '../../shared/db/journal';
import {
  justAfter,
  type ListingPlan,
  type ListPage,
  type ListRange,
  queryList,
} from '../../shared/db/listing';
import { allocateNumber } from '../../shared/db/numbers';
import { problemIncidentLinkEntity } from '../../shared/db/problem-links';
import { problemReference } from '../../shared/db/problem-reference';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { outboxItem } from '../../shared/db/transactions';
import type { IdempotencyClaim } from '../../shared/idempotency';
import type { CommentRecord, HistoryEntry, UnitOfWork } from '../../shared/unit-of-work';
import { config } from './config';
import type { Incident } from './domain';
import { incidentCommentEntity, incidentEntity, incidentHistoryEntity } from './entities';

export const INCIDENT_NUMBER_PREFIX = 'INC';

const store = new Service(
  {
    incident: incidentEntity,
    history: incidentHistoryEntity,
    comment: incidentCommentEntity,
    outbox: outboxEntity,
    idempotency: idempotencyEntity,
    counter: counterEntity,
    ciReference: configurationItemReference,
    problemLink: problemIncidentLinkEntity,
    problemReference,
  },
  { client: documentClient, table: config[TABLE_NAME_ENV] },
);
const {
  incident,
  history,
  comment,
  idempotency,
  counter,
  ciReference,
  problemLink,
  problemReference: problemRef,
} = store.entities;

/** An incident as stored: the public snapshot plus the last event sequence handed out. */
export type StoredIncident = Incident & { eventSequence: number };

export async function commit(work: UnitOfWork<StoredIncident>): Promise<void> {
  await commitTransaction(
    store.transaction
      .write(({ incident, history, comment, outbox, idempotency }) => [
        ...(work.idempotency ? [idempotency.create(work.idempotency).commit()] : []),
        ...work.items.map(({ item, expectedVersion }) =>
          versionedWrite(incident, toItem(item), expectedVersion),
        ),
        ...work.history.map((entry) => history.create(entry).commit()),
        ...work.comments.map((record) => comment.create(record).commit()),
        ...work.events.map((event) => outbox.create(outboxItem(event)).commit()),
      ])
      .go(),
    work,
  );
}

/** Sort attributes of the sparse indexes, each present only while its index applies. */
const INDEX_ONLY_ATTRIBUTES = [
  'groupListedAt',
  'assigneeListedAt',
  'ciListedAt',
  'parentListedAt',
  'awaitingCloseSince',
] as const;
type IndexOnlyAttributes = Partial<Record<(typeof INDEX_ONLY_ATTRIBUTES)[number], string>>;

function toItem(stored: StoredIncident): StoredIncident & IndexOnlyAttributes {
  const listedAt = `${stored.createdAt}#${stored.id}`;
  const when = (present: unknown, value: string) => (present ? value : undefined);
  return {
    ...stored,
    groupListedAt: when(stored.assignmentGroup, listedAt),
    assigneeListedAt: when(stored.assignee, listedAt),
    ciListedAt: when(stored.configurationItem, listedAt),
    parentListedAt: when(stored.parentId, listedAt),
    awaitingCloseSince: when(
      stored.state === 'Resolved' && stored.resolvedAt,
      `${stored.resolvedAt}#${stored.id}`,
    ),
  };
}

function fromItem(item: StoredIncident & IndexOnlyAttributes): StoredIncident {
  const stored: Record<string, unknown> = { ...item };
  for (const attribute of INDEX_ONLY_ATTRIBUTES) delete stored[attribute];
  return stored as StoredIncident;
}

export function allocateIncidentNumber(): Promise<string> {
  return allocateNumber(counter, INCIDENT_NUMBER_PREFIX);
}

/** A strongly consistent read, so that a client reads its own writes (and their ETags). */
export async function getIncident(id: string): Promise<StoredIncident | undefined> {
  const { data } = await incident.get({ id }).go({ consistent: true });
  return data ? fromItem(data) : undefined;
}

/** Index reads are eventually consistent: the index only finds the id, the table read is fresh. */
export async function getIncidentByNumber(number: string): Promise<StoredIncident | undefined> {
  const { data } = await incident.query.byNumber({ number }).go({ limit: 1, attributes: ['id'] });
  const id = data[0]?.id;
  return id === undefined ? undefined : getIncident(id);
}

/** The lifecycle state of the configuration item, or undefined when there is no such CI. */
export async function getConfigurationItemState(id: string): Promise<string | undefined> {
  const { data } = await ciReference.get({ id }).go({ attributes: ['lifecycleState'] });
  return data?.lifecycleState;
}

/** The incidents linked to a problem, a page at a time; the problem area writes the links. */
export async function listProblemIncidentIds(
  problemId: string,
  options: { limit: number; cursor?: string | null },
): Promise<{ items: string[]; cursor: string | null }> {
  const { data, cursor } = await problemLink.query
    .primary({ problemId })
    .go({ limit: options.limit, cursor: options.cursor ?? null, attributes: ['incidentId'] });
  return { items: data.map((link) => link.incidentId), cursor };
}

export function getIdempotencyRecord(
  scope: string,
  key: string,
): Promise<IdempotencyClaim | undefined> {
  return findClaim(idempotency, scope, key);
}

/** Filters served by an index each; the most selective one present picks the index. */
export interface IncidentFilters {
  assignee?: string;
  caller?: string;
  configurationItem?: string;
  parentId?: string;
  assignmentGroup?: string;
  state?: Incident['state'];
  priority?: number;
}

export type ListIncidentsQuery = IncidentFilters & ListRange & ListPage;

export const INCIDENT_LISTING: ListingPlan<keyof IncidentFilters> = {
  filterIndexes: [
    ['assignee', 'byAssignee'],
    ['caller', 'byCaller'],
    ['configurationItem', 'byCi'],
    ['parentId', 'byParent'],
    ['assignmentGroup', 'byGroup'],
    ['state', 'byState'],
    ['priority', 'byPriority'],
  ],
  sparseSortAttributes: {
    byGroup: 'groupListedAt',
    byAssignee: 'assigneeListedAt',
    byCi: 'ciListedAt',
    byParent: 'parentListedAt',
  },
};

export async function listIncidents(
  query: ListIncidentsQuery,
): Promise<{ items: StoredIncident[]; cursor: string | null; index: string }> {
  const page = await queryList<keyof IncidentFilters, StoredIncident & IndexOnlyAttributes>(
    incident.query,
    INCIDENT_LISTING,
    query,
  );
  return { ...page, items: page.items.map(fromItem) };
}

export function listComments(
  aggregateId: string,
  page: ListPage,
): Promise<{ items: CommentRecord[]; cursor: string | null }> {
  return journalPage<CommentRecord>(comment, aggregateId, page);
}

/** One comment, by the key a replayed Idempotency-Key finds it with. */
export function getComment(key: { aggregateId: string; createdAt: string; commentId: string }) {
  return journalComment(comment, key);
}

export function listHistory(
  aggregateId: string,
  page: ListPage,
): Promise<{ items: HistoryEntry[]; cursor: string | null }> {
  return journalPage<HistoryEntry>(history, aggregateId, page);
}

/** Resolved incidents whose resolution is at or before `cutoff`, oldest first. */
export async function listResolvedBefore(
  cutoff: string,
  options: { limit: number; cursor?: string | null },
): Promise<{ items: StoredIncident[]; cursor: string | null }> {
  const { data, cursor } = await incident.query
    .awaitingClose({})
    .lt({ awaitingCloseSince: justAfter(cutoff) })
    .go({ limit: options.limit, cursor: options.cursor ?? null, order: 'asc' });
  return { items: data.map(fromItem), cursor };
}

/** A linked problem as it is now (strongly consistent), for following its state changes. */
export async function getProblemReference(id: string) {
  const { data } = await problemRef.get({ id }).go({ consistent: true });
  return data ?? undefined;
}
