import { type EntityItem, Service } from 'electrodb';
import { batchGetAll } from '../../shared/db/batch';
import { ciGraphReader } from '../../shared/db/ci-graph';
import { documentClient } from '../../shared/db/client';
import {
  counterEntity,
  findClaim,
  idempotencyEntity,
  outboxEntity,
} from '../../shared/db/entities';
import { INCIDENT_NUMBER, incidentReference } from '../../shared/db/incident-reference';
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
import { PROBLEM_NUMBER, problemReference } from '../../shared/db/problem-reference';
import { referencesByIdOrNumber } from '../../shared/db/reference-lookup';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { outboxItem } from '../../shared/db/transactions';
import type { IdempotencyClaim } from '../../shared/idempotency';
import type { CommentRecord, HistoryEntry, UnitOfWork } from '../../shared/unit-of-work';
import { config } from './config';
import {
  type BlackoutWindow,
  CHANGE_NUMBER_PREFIX,
  type Change,
  type ChangeModel,
  type ChangeOutcome,
  type ChangeState,
  type ChangeTemplate,
  holdsWindow,
  type Interval,
} from './domain';
import {
  blackoutWindowEntity,
  changeCiEntity,
  changeCommentEntity,
  changeEntity,
  changeHistoryEntity,
  changeTemplateEntity,
} from './entities';

const store = new Service(
  {
    change: changeEntity,
    history: changeHistoryEntity,
    comment: changeCommentEntity,
    changeCi: changeCiEntity,
    template: changeTemplateEntity,
    blackout: blackoutWindowEntity,
    outbox: outboxEntity,
    idempotency: idempotencyEntity,
    counter: counterEntity,
    incidentReference,
    problemReference,
  },
  { client: documentClient, table: config[TABLE_NAME_ENV] },
);
const { change, history, comment, changeCi, template, blackout, idempotency, counter } =
  store.entities;

/** The CMDB's graph: the changes' CIs, their neighbours and what a change to them impacts. */
export const ciGraph = ciGraphReader(config[TABLE_NAME_ENV]);

/** A change as stored: the public snapshot plus the last event sequence handed out. */
export type StoredChange = Change & { eventSequence: number };

/** One affected CI of a change (entities.ts); `outcome` and `closedAt` once it is closed. */
export interface ChangeCiRecord {
  changeId: string;
  ci: string;
  createdAt: string;
  outcome?: ChangeOutcome;
  closedAt?: string;
}

/** Everything one change use case writes: the shared unit of work plus the CI records. */
export interface ChangeWork extends UnitOfWork<StoredChange> {
  ciRecords: ChangeCiRecord[];
  ciRemovals: Pick<ChangeCiRecord, 'changeId' | 'ci'>[];
}

/** Sort keys compare as strings: every instant in a key is written as toISOString writes it. */
function instant(iso: string): string {
  return new Date(iso).toISOString();
}

/**
 * Sorts after every instant (and id) in a key. Several entities share an index partition
 * (`$itsm` on `byDue`), so a range is always bounded on both ends within the entity's own
 * prefix: an open end would read the neighbouring entities' keys too.
 */
const AFTER_EVERY_INSTANT = '~';

/** Key bounds of an inclusive range of instants, open ends closed within the entity. */
function bounds(from: string | undefined, to: string | undefined): [string, string] {
  return [
    from === undefined ? '' : instant(from),
    to === undefined ? AFTER_EVERY_INSTANT : justAfter(to),
  ];
}

export async function commit(work: ChangeWork): Promise<void> {
  await commitTransaction(
    store.transaction
      .write(({ change, history, comment, changeCi, outbox, idempotency }) => [
        ...(work.idempotency ? [idempotency.create(work.idempotency).commit()] : []),
        ...work.items.map(({ item, expectedVersion }) =>
          versionedWrite(change, toItem(item), expectedVersion),
        ),
        ...work.ciRecords.map((record) => changeCi.put(toCiItem(record)).commit()),
        ...work.ciRemovals.map((key) => changeCi.delete(key).commit()),
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
  'plannedListedAt',
  'bookedFrom',
] as const;
type IndexOnlyAttributes = Partial<Record<(typeof INDEX_ONLY_ATTRIBUTES)[number], string>>;
type ChangeItem = StoredChange & IndexOnlyAttributes;

function toItem(stored: StoredChange): ChangeItem {
  const listedAt = `${stored.createdAt}#${stored.id}`;
  const planned =
    stored.plannedStart === undefined ? undefined : `${instant(stored.plannedStart)}#${stored.id}`;
  const booked = holdsWindow(stored.state) && stored.plannedEnd !== undefined;
  return {
    ...stored,
    groupListedAt: stored.assignmentGroup ? listedAt : undefined,
    assigneeListedAt: stored.assignee ? listedAt : undefined,
    plannedListedAt: planned,
    bookedFrom: booked ? planned : undefined,
  };
}

function fromItem(item: ChangeItem): StoredChange {
  const stored: Record<string, unknown> = { ...item };
  for (const attribute of INDEX_ONLY_ATTRIBUTES) delete stored[attribute];
  return stored as StoredChange;
}

function toCiItem(record: ChangeCiRecord) {
  const closed = record.outcome !== undefined && record.closedAt !== undefined;
  return {
    ...record,
    outcomeListedAt: closed ? `${record.closedAt}#${record.changeId}` : undefined,
  };
}

export function allocateChangeNumber(): Promise<string> {
  return allocateNumber(counter, CHANGE_NUMBER_PREFIX);
}

/** A strongly consistent read, so that a client reads its own writes (and their ETags). */
export async function getChange(id: string): Promise<StoredChange | undefined> {
  const { data } = await change.get({ id }).go({ consistent: true });
  return data ? fromItem(data as ChangeItem) : undefined;
}

/** Index reads are eventually consistent: the index only finds the id, the table read is fresh. */
export async function getChangeByNumber(number: string): Promise<StoredChange | undefined> {
  const { data } = await change.query.byNumber({ number }).go({ limit: 1, attributes: ['id'] });
  const id = data[0]?.id;
  return id === undefined ? undefined : getChange(id);
}

/** Eventually consistent, for lists; in the order of `ids`, unknown ones left out. */
export async function getChanges(ids: readonly string[]): Promise<StoredChange[]> {
  const items = await batchGetAll(
    ids.map((id) => ({ id })),
    (keys, concurrent) => change.get(keys).go({ concurrent }),
  );
  const byId = new Map(items.map((item) => [item.id, fromItem(item as ChangeItem)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Consistent: a create that lost the race for its key must see the winner's claim. */
export function getIdempotencyClaim(
  scope: string,
  key: string,
): Promise<IdempotencyClaim | undefined> {
  return findClaim(idempotency, scope, key);
}

export type IncidentReference = EntityItem<typeof incidentReference>;
export type ProblemReference = EntityItem<typeof problemReference>;

/** The incidents named by id or number; unknown ones are absent from the result. */
export function getIncidentReferences(
  idsOrNumbers: readonly string[],
): Promise<Map<string, IncidentReference>> {
  return referencesByIdOrNumber(store.entities.incidentReference, INCIDENT_NUMBER, idsOrNumbers);
}

/** The problems named by id or number; unknown ones are absent from the result. */
export function getProblemReferences(
  idsOrNumbers: readonly string[],
): Promise<Map<string, ProblemReference>> {
  return referencesByIdOrNumber(store.entities.problemReference, PROBLEM_NUMBER, idsOrNumbers);
}

/** Filters served by an index each; the most selective one present picks the index. */
export interface ChangeFilters {
  assignee?: string;
  assignmentGroup?: string;
  state?: ChangeState;
  model?: ChangeModel;
}

export interface PlannedRange {
  plannedFrom?: string;
  plannedTo?: string;
}

export type ListChangesQuery = ChangeFilters &
  ListRange &
  PlannedRange & { configurationItem?: string } & ListPage;

export const CHANGE_LISTING: ListingPlan<keyof ChangeFilters> = {
  filterIndexes: [
    ['assignee', 'byAssignee'],
    ['assignmentGroup', 'byGroup'],
    ['state', 'byState'],
    ['model', 'byModel'],
  ],
  sparseSortAttributes: { byGroup: 'groupListedAt', byAssignee: 'assigneeListedAt' },
};

const within = (value: string | undefined, from?: string, to?: string) =>
  (from === undefined || (value !== undefined && Date.parse(value) >= Date.parse(from))) &&
  (to === undefined || (value !== undefined && Date.parse(value) <= Date.parse(to)));

/** The filters a page read from another index leaves to check, as a filter expression would. */
function matches(item: StoredChange, query: ListChangesQuery): boolean {
  return (
    (query.assignee === undefined || item.assignee === query.assignee) &&
    (query.assignmentGroup === undefined || item.assignmentGroup === query.assignmentGroup) &&
    (query.state === undefined || item.state === query.state) &&
    (query.model === undefined || item.model === query.model) &&
    (query.configurationItem === undefined ||
      item.affectedCis.some((ci) => ci.toLowerCase() === query.configurationItem?.toLowerCase())) &&
    within(item.createdAt, query.createdFrom, query.createdTo) &&
    within(item.updatedAt, query.updatedFrom, query.updatedTo) &&
    within(item.plannedStart, query.plannedFrom, query.plannedTo)
  );
}

/**
 * One page of changes. A CI filter reads the CI's records (newest change first) and then the
 * changes; a planned-start range reads `byPlannedStart` in planned-start order; anything else
 * is a list of the shared listing (newest first). The other filters are checked on the page
 * read, so a page may hold fewer than `limit` changes while the cursor is not null.
 */
export async function listChanges(
  query: ListChangesQuery,
): Promise<{ items: StoredChange[]; cursor: string | null }> {
  const page = { limit: query.limit, cursor: query.cursor ?? null };
  if (query.configurationItem !== undefined) {
    const [from, to] = bounds(query.createdFrom, query.createdTo);
    const { data, cursor } = await changeCi.query
      .byCi({ ci: query.configurationItem })
      .between({ createdAt: from }, { createdAt: to })
      .go({ ...page, order: 'desc' });
    const changes = await getChanges(data.map((record) => record.changeId));
    return { items: changes.filter((item) => matches(item, query)), cursor };
  }
  if (query.plannedFrom !== undefined || query.plannedTo !== undefined) {
    const [from, to] = bounds(query.plannedFrom, query.plannedTo);
    const { data, cursor } = await change.query
      .byPlannedStart({})
      .between({ plannedListedAt: from }, { plannedListedAt: to })
      .go({ ...page, order: 'asc' });
    const items = data.map((item) => fromItem(item as ChangeItem));
    return { items: items.filter((item) => matches(item, query)), cursor };
  }
  const listed = await queryList<keyof ChangeFilters, ChangeItem>(
    change.query,
    CHANGE_LISTING,
    query,
  );
  return { items: listed.items.map(fromItem), cursor: listed.cursor };
}

/** Changes of the schedule (holding their window) starting before `end`, by planned start. */
const bookingsBefore = (end: string) =>
  change.query.bookings({}).between({ bookedFrom: '' }, { bookedFrom: instant(end) });

function bookedOverlapping(items: readonly ChangeItem[], window: Interval): StoredChange[] {
  return items
    .map(fromItem)
    .filter((item) => Date.parse(item.plannedEnd ?? '') > Date.parse(window.start));
}

/**
 * The changes holding their window (Authorize to Implement) that overlap `window`, read from
 * the schedule: those starting before its end, of which those ending after its start.
 */
export async function bookingsOverlapping(window: Interval): Promise<StoredChange[]> {
  const { data } = await bookingsBefore(window.end).go({ pages: 'all' });
  return bookedOverlapping(data as ChangeItem[], window);
}

/** A page of the schedule overlapping `range`, in planned-start order. */
export async function bookingsPage(
  range: Interval,
  page: ListPage,
): Promise<{ items: StoredChange[]; cursor: string | null }> {
  const { data, cursor } = await bookingsBefore(range.end).go({
    limit: page.limit,
    cursor: page.cursor ?? null,
    order: 'asc',
  });
  return { items: bookedOverlapping(data as ChangeItem[], range), cursor };
}

/** The outcomes of the changes last closed on `ci`, most recent first. */
export async function recentOutcomes(
  ci: string,
  limit: number,
): Promise<{ changeId: string; outcome: ChangeOutcome }[]> {
  const { data } = await changeCi.query.outcomes({ ci }).go({ limit, order: 'desc' });
  return data.flatMap((record) =>
    record.outcome ? [{ changeId: record.changeId, outcome: record.outcome }] : [],
  );
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

/** Writes a template: a new one must not exist, a revision must find the version read. */
/** Writes a template, conditional on its version; a new one with its Idempotency-Key claim. */
export async function putTemplate(
  item: ChangeTemplate,
  expectedVersion: number | undefined,
  claim?: IdempotencyClaim,
): Promise<void> {
  await commitTransaction(
    store.transaction
      .write(({ template, idempotency }) => [
        ...(claim ? [idempotency.create(claim).commit()] : []),
        versionedWrite(template, item, expectedVersion),
      ])
      .go(),
    { items: [{ item }], idempotency: claim },
  );
}

export async function getTemplate(id: string): Promise<ChangeTemplate | undefined> {
  const { data } = await template.get({ id }).go({ consistent: true });
  return data ?? undefined;
}

export async function listTemplates(
  query: { active?: boolean } & ListPage,
): Promise<{ items: ChangeTemplate[]; cursor: string | null }> {
  const { data, cursor } = await template.query
    .byCreated({})
    .where((attributes, { eq }) =>
      query.active === undefined ? '' : eq(attributes.active, query.active),
    )
    .go({ limit: query.limit, cursor: query.cursor ?? null, order: 'desc' });
  return { items: data, cursor };
}

export type StoredBlackout = BlackoutWindow & { createdBy: string; createdAt: string };

/** Writes a new blackout window, with its Idempotency-Key claim when there is one. */
export async function createBlackout(
  item: StoredBlackout,
  claim: IdempotencyClaim | undefined,
): Promise<void> {
  await commitTransaction(
    store.transaction
      .write(({ blackout, idempotency }) => [
        ...(claim ? [idempotency.create(claim).commit()] : []),
        blackout.create({ ...item, start: instant(item.start), end: instant(item.end) }).commit(),
      ])
      .go(),
    { items: [], idempotency: claim },
  );
}

export async function getBlackout(id: string): Promise<StoredBlackout | undefined> {
  const { data } = await blackout.get({ id }).go({ consistent: true });
  return data ? (data as StoredBlackout) : undefined;
}

export async function deleteBlackout(id: string): Promise<void> {
  await blackout.delete({ id }).go();
}

/** Blackout windows ending after `start`, by end. */
const blackoutsEndingAfter = (start: string) =>
  blackout.query.byEnd({}).between({ end: justAfter(start) }, { end: AFTER_EVERY_INSTANT });

function startingBefore(items: readonly StoredBlackout[], end: string | undefined) {
  return items.filter((item) => end === undefined || Date.parse(item.start) < Date.parse(end));
}

/**
 * A page of the blackout windows overlapping `range`, by end (those ending after its start,
 * of which those starting before its end; without an end, every later one).
 */
export async function blackoutsPage(
  range: { start: string; end?: string },
  page: ListPage,
): Promise<{ items: StoredBlackout[]; cursor: string | null }> {
  const { data, cursor } = await blackoutsEndingAfter(range.start).go({
    limit: page.limit,
    cursor: page.cursor ?? null,
    order: 'asc',
  });
  return { items: startingBefore(data as StoredBlackout[], range.end), cursor };
}

/** Every blackout window overlapping `window`. */
export async function blackoutsOverlapping(window: Interval): Promise<StoredBlackout[]> {
  const { data } = await blackoutsEndingAfter(window.start).go({ pages: 'all' });
  return startingBefore(data as StoredBlackout[], window.end);
}
