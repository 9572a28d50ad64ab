import { type EntityItem, Service } from 'electrodb';
import { documentClient } from '../../shared/db/client';
import { configurationItemReference } from '../../shared/db/configuration-item-reference';
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
  type ListingPlan,
  type ListPage,
  type ListRange,
  queryList,
} from '../../shared/db/listing';
import { allocateNumber } from '../../shared/db/numbers';
import { problemIncidentLinkEntity } from '../../shared/db/problem-links';
import { referencesByIdOrNumber } from '../../shared/db/reference-lookup';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { outboxItem } from '../../shared/db/transactions';
import type { IdempotencyClaim } from '../../shared/idempotency';
import type { CommentRecord, HistoryEntry, UnitOfWork } from '../../shared/unit-of-work';
import { config } from './config';
import {
  PROBLEM_NUMBER_PREFIX,
  type Problem,
  type ProblemIncidentLink,
  type ProblemState,
} from './domain';
import {
  detectionClaimEntity,
  problemCommentEntity,
  problemEntity,
  problemHistoryEntity,
} from './entities';

const store = new Service(
  {
    problem: problemEntity,
    history: problemHistoryEntity,
    comment: problemCommentEntity,
    link: problemIncidentLinkEntity,
    outbox: outboxEntity,
    idempotency: idempotencyEntity,
    counter: counterEntity,
    ciReference: configurationItemReference,
    incidentReference,
    claim: detectionClaimEntity,
  },
  { client: documentClient, table: config[TABLE_NAME_ENV] },
);
const { problem, history, comment, link, idempotency, counter, ciReference } = store.entities;

/** A problem as stored: the public snapshot plus the last event sequence handed out. */
export type StoredProblem = Problem & { eventSequence: number };

/** Everything one problem use case changes: the shared unit of work plus incident links. */
export interface ProblemWork extends UnitOfWork<StoredProblem> {
  links: ProblemIncidentLink[];
  unlinks: ProblemIncidentLink[];
  /**
   * Detection's claim of a scope for the problem it creates there, taken only if the scope is
   * unclaimed or still claimed by the (no longer active) problem `replaces`.
   */
  detectionClaim?: { scope: string; problemId: string; claimedAt: string; replaces?: string };
}

/**
 * DynamoDB takes at most 100 items per transaction; a use case that would write more links at
 * once (a large duplicate merge) is refused before it is tried.
 */
export const MAX_LINK_WRITES = 80;

export async function commit(work: ProblemWork): Promise<void> {
  const detectionClaim = work.detectionClaim && {
    item: {
      scope: work.detectionClaim.scope,
      problemId: work.detectionClaim.problemId,
      claimedAt: work.detectionClaim.claimedAt,
    },
    replaces: work.detectionClaim.replaces,
  };
  await commitTransaction(
    store.transaction
      .write(({ problem, history, comment, link, outbox, idempotency, claim }) => [
        ...(work.idempotency ? [idempotency.create(work.idempotency).commit()] : []),
        ...(detectionClaim
          ? [
              claim
                .put(detectionClaim.item)
                .where((attributes, { notExists, eq }) => {
                  const unclaimed = notExists(attributes.problemId);
                  return detectionClaim.replaces === undefined
                    ? unclaimed
                    : `${unclaimed} OR ${eq(attributes.problemId, detectionClaim.replaces)}`;
                })
                .commit(),
            ]
          : []),
        ...work.items.map(({ item, expectedVersion }) =>
          versionedWrite(problem, toItem(item), expectedVersion),
        ),
        ...work.links.map((record) => link.put(record).commit()),
        ...work.unlinks.map((record) =>
          link.delete({ problemId: record.problemId, incidentId: record.incidentId }).commit(),
        ),
        ...work.history.map((entry) => history.create(entry).commit()),
        ...work.comments.map((record) => comment.create(record).commit()),
        ...work.events.map((event) => outbox.create(outboxItem(event)).commit()),
      ])
      .go(),
    work,
    { leadingClaims: work.detectionClaim ? 1 : 0 },
  );
}

/** Sort attributes of the sparse indexes, each present only while its index applies. */
const INDEX_ONLY_ATTRIBUTES = ['groupListedAt', 'assigneeListedAt', 'ciListedAt'] as const;
type IndexOnlyAttributes = Partial<Record<(typeof INDEX_ONLY_ATTRIBUTES)[number], string>>;

function toItem(stored: StoredProblem): StoredProblem & IndexOnlyAttributes {
  const listedAt = `${stored.createdAt}#${stored.id}`;
  const when = (present: unknown) => (present ? listedAt : undefined);
  return {
    ...stored,
    groupListedAt: when(stored.assignmentGroup),
    assigneeListedAt: when(stored.assignee),
    ciListedAt: when(stored.configurationItem),
  };
}

function fromItem(item: StoredProblem & IndexOnlyAttributes): StoredProblem {
  const stored: Record<string, unknown> = { ...item };
  for (const attribute of INDEX_ONLY_ATTRIBUTES) delete stored[attribute];
  return stored as StoredProblem;
}

export function allocateProblemNumber(): Promise<string> {
  return allocateNumber(counter, PROBLEM_NUMBER_PREFIX);
}

/** A strongly consistent read, so that a client reads its own writes (and their ETags). */
export async function getProblem(id: string): Promise<StoredProblem | undefined> {
  const { data } = await problem.get({ id }).go({ consistent: true });
  return data ? fromItem(data) : undefined;
}

/** Index reads are eventually consistent: the index only finds the id, the table read is fresh. */
export async function getProblemByNumber(number: string): Promise<StoredProblem | undefined> {
  const { data } = await problem.query.byNumber({ number }).go({ limit: 1, attributes: ['id'] });
  const id = data[0]?.id;
  return id === undefined ? undefined : getProblem(id);
}

export async function getProblems(ids: readonly string[]): Promise<StoredProblem[]> {
  if (ids.length === 0) return [];
  const { data } = await problem
    .get(ids.map((id) => ({ id })))
    .go({ consistent: true, concurrent: 1 });
  return data.map(fromItem);
}

/** Consistent: a create that lost the race for its key must see the winner's claim. */
export function getIdempotencyClaim(
  scope: string,
  key: string,
): Promise<IdempotencyClaim | undefined> {
  return findClaim(idempotency, scope, key);
}

/** The lifecycle state of the configuration item, or undefined when there is no such CI. */
export async function getConfigurationItemState(id: string): Promise<string | undefined> {
  const { data } = await ciReference.get({ id }).go({ attributes: ['lifecycleState'] });
  return data?.lifecycleState;
}

export type IncidentReference = EntityItem<typeof incidentReference>;

/** The incidents named by id or number; unknown ones are absent from the result. */
export function getIncidentReferences(
  idsOrNumbers: readonly string[],
): Promise<Map<string, IncidentReference>> {
  return referencesByIdOrNumber(store.entities.incidentReference, INCIDENT_NUMBER, idsOrNumbers);
}

/** The links of `problemId` to the given incidents (those that exist). */
export async function getLinks(
  problemId: string,
  incidentIds: readonly string[],
): Promise<ProblemIncidentLink[]> {
  if (incidentIds.length === 0) return [];
  const { data } = await link
    .get(incidentIds.map((incidentId) => ({ problemId, incidentId })))
    .go({ consistent: true, concurrent: 1 });
  return data;
}

/** A page of a problem's links, by incident id. */
export async function listLinks(
  problemId: string,
  page: ListPage,
): Promise<{ items: ProblemIncidentLink[]; cursor: string | null }> {
  const { data, cursor } = await link.query
    .primary({ problemId })
    .go({ limit: page.limit, cursor: page.cursor ?? null });
  return { items: data, cursor };
}

/** Every link of a problem, for the use cases that act on all of its incidents. */
export async function allLinks(problemId: string): Promise<ProblemIncidentLink[]> {
  const { data } = await link.query.primary({ problemId }).go({ pages: 'all', consistent: true });
  return data;
}

/** The links of an incident to problems (eventually consistent: an index). */
export async function linksOfIncident(incidentId: string): Promise<ProblemIncidentLink[]> {
  const { data } = await link.query.byIncident({ incidentId }).go({ pages: 'all' });
  return data;
}

/** Filters served by an index each; the most selective one present picks the index. */
export interface ProblemFilters {
  assignee?: string;
  configurationItem?: string;
  assignmentGroup?: string;
  state?: ProblemState;
  priority?: number;
}

export type ListProblemsQuery = ProblemFilters & ListRange & ListPage;

export const PROBLEM_LISTING: ListingPlan<keyof ProblemFilters> = {
  filterIndexes: [
    ['assignee', 'byAssignee'],
    ['configurationItem', 'byCi'],
    ['assignmentGroup', 'byGroup'],
    ['state', 'byState'],
    ['priority', 'byPriority'],
  ],
  sparseSortAttributes: {
    byGroup: 'groupListedAt',
    byAssignee: 'assigneeListedAt',
    byCi: 'ciListedAt',
  },
};

export async function listProblems(
  query: ListProblemsQuery,
): Promise<{ items: StoredProblem[]; cursor: string | null }> {
  const page = await queryList<keyof ProblemFilters, StoredProblem & IndexOnlyAttributes>(
    problem.query,
    PROBLEM_LISTING,
    query,
  );
  return { items: page.items.map(fromItem), cursor: page.cursor };
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

/** The problems on a CI in the given states (an index: eventually consistent). */
export async function problemsOnCi(
  configurationItem: string,
  states: readonly ProblemState[],
): Promise<StoredProblem[]> {
  const { data } = await problem.query
    .byCi({ configurationItem })
    .where((attributes, { eq }) => states.map((state) => eq(attributes.state, state)).join(' OR '))
    .go({ pages: 'all' });
  return data.map(fromItem);
}
