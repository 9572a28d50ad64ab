import { v7 as uuidv7 } from 'uuid';
import { commentView } from './db/journal';
import { StaleVersionError, TransactionConflictError } from './db/transactions';
import { NotFoundError } from './errors';
import { domainEvent, type OutboxEvent } from './events/domain-event';
import { type Actor, actorOf, type EventContract } from './events/envelope';
import type { FieldChange } from './events/incidents';
import { claimFor, type IdempotencyClaim, IdempotencyKeyTakenError, replayOf } from './idempotency';
import type { RequestContext } from './request-context';

/**
 * One use case's writes, committed as one DynamoDB transaction by the area's repository: the
 * revised aggregates (each conditional on the version read), their audit entries, comments and
 * outbox events, and the Idempotency-Key claim of a create. Shared by every area whose
 * aggregates keep a history (incidents, problems).
 */

/** An aggregate as stored: versioned, with the last per-aggregate event sequence handed out. */
export interface StoredAggregate {
  id: string;
  version: number;
  eventSequence: number;
}

export interface VersionedWrite<S> {
  item: S;
  /** The version the write is conditional on; absent for a new aggregate. */
  expectedVersion?: number;
}

/** One journal entry per change: who, when, which action, and each field's old and new value. */
export interface HistoryEntry {
  aggregateId: string;
  version: number;
  at: string;
  actor: Actor;
  action: string;
  changes: FieldChange[];
}

export interface CommentRecord {
  aggregateId: string;
  commentId: string;
  visibility: 'public' | 'internal';
  author: string;
  body: string;
  createdAt: string;
}

export interface UnitOfWork<S> {
  items: VersionedWrite<S>[];
  history: HistoryEntry[];
  comments: CommentRecord[];
  events: OutboxEvent[];
  idempotency?: IdempotencyClaim;
}

export function emptyWork<S>(): UnitOfWork<S> {
  return { items: [], history: [], comments: [], events: [] };
}

/** Builds an event once its sequence number is known. */
export type PendingEvent = (sequence: number) => OutboxEvent;

/**
 * Accumulates a use case's writes: each revision with its history entry and its events,
 * numbered from the aggregate's own event sequence, so event ids stay unique and deterministic.
 */
export class ChangeSet<S extends StoredAggregate, W extends UnitOfWork<S> = UnitOfWork<S>> {
  constructor(
    protected readonly ctx: RequestContext,
    protected readonly work: W,
    private readonly write: (work: W) => Promise<void>,
  ) {}

  revise(
    before: S | undefined,
    after: Omit<S, 'eventSequence'>,
    action: string,
    changes: FieldChange[],
    events: PendingEvent[],
  ): S {
    const firstSequence = (before?.eventSequence ?? 0) + 1;
    const stored = { ...after, eventSequence: firstSequence + events.length - 1 } as S;
    this.work.items.push(
      before ? { item: stored, expectedVersion: before.version } : { item: stored },
    );
    this.work.history.push({
      aggregateId: after.id,
      version: after.version,
      at: this.ctx.now,
      actor: actorOf(this.ctx.principal),
      action,
      changes,
    });
    events.forEach((build, index) => {
      this.work.events.push(build(firstSequence + index));
    });
    return stored;
  }

  /** A new aggregate and its creation events; with an Idempotency-Key, the key's claim too. */
  create(
    aggregate: Omit<S, 'eventSequence'>,
    claim: ((resourceId: string) => IdempotencyClaim) | undefined,
    events: PendingEvent[],
  ): S {
    if (claim) this.idempotent(claim(aggregate.id));
    return this.revise(undefined, aggregate, 'create', [], events);
  }

  comment(record: CommentRecord): void {
    this.work.comments.push(record);
  }

  idempotent(claim: IdempotencyClaim): void {
    this.work.idempotency = claim;
  }

  event<C extends EventContract>(
    contract: C,
    aggregate: { id: string },
    data: Parameters<typeof domainEvent<C>>[2],
  ): PendingEvent {
    return (sequence) =>
      domainEvent(
        contract,
        {
          aggregateId: aggregate.id,
          sequence,
          actor: actorOf(this.ctx.principal),
          occurredAt: this.ctx.now,
          ...(this.ctx.correlationId ? { correlationId: this.ctx.correlationId } : {}),
        },
        data,
      );
  }

  commit(): Promise<void> {
    return this.write(this.work);
  }
}

/** Strips the internal event sequence from what clients and events see. */
export function publicView<S extends StoredAggregate>(stored: S): Omit<S, 'eventSequence'> {
  const { eventSequence: _internal, ...aggregate } = stored;
  return aggregate;
}

/**
 * Retries a use case whose transaction lost a race, re-reading everything it decided on. A
 * stale version is a lost race only where the use case says so (`staleAsConflict`): where the
 * client's own If-Match version went stale, it answers 412 instead.
 */
export async function withRetries<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const retriable =
        error instanceof TransactionConflictError || error instanceof IdempotencyKeyTakenError;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
    }
  }
}

/** A stale version of any item the use case read is a lost race: decide again on fresh data. */
export function staleAsConflict(error: unknown): never {
  throw error instanceof StaleVersionError ? new TransactionConflictError() : error;
}

/** How an area's create reaches its Idempotency-Key claims and its resources. */
export interface CreateOnceSteps<T> {
  findClaim(scope: string, key: string): Promise<IdempotencyClaim | undefined>;
  /** The resource an earlier request with the key created (`claim`), as the create returns it. */
  replay(id: string, claim: IdempotencyClaim): Promise<T>;
  /** Creates the resource; with a key, `claim` gives the claim to write in its transaction. */
  create(claim: ((resourceId: string) => IdempotencyClaim) | undefined): Promise<T>;
}

/**
 * A create honouring an Idempotency-Key (shared/idempotency.ts): keys are per caller and
 * resource kind; an earlier claim returns the resource it created (same body) or is refused
 * (another body); otherwise the create claims the key in its own transaction, so a concurrent
 * duplicate loses the race, runs again and finds the claim.
 */
export async function createOnce<T>(
  request: { kind: string; ctx: RequestContext; key: string | undefined; input: unknown },
  steps: CreateOnceSteps<T>,
): Promise<{ value: T; replayed: boolean }> {
  const idempotent =
    request.key === undefined
      ? undefined
      : {
          scope: `${request.kind}-create:${request.ctx.principal.id}`,
          key: request.key,
          input: request.input,
        };
  return withRetries(async () => {
    const earlier = idempotent && (await steps.findClaim(idempotent.scope, idempotent.key));
    if (idempotent && earlier) {
      return { value: await steps.replay(replayOf(earlier, idempotent), earlier), replayed: true };
    }
    const claim = idempotent && ((id: string) => claimFor(idempotent, id, request.ctx.now));
    return { value: await steps.create(claim), replayed: false };
  });
}

/** How an area adds a comment to one of its aggregates (see commentOnce). */
export interface CommentOnceSteps<A extends { id: string }> {
  findClaim(scope: string, key: string): Promise<IdempotencyClaim | undefined>;
  /** The aggregate commented on, as the caller may see it. */
  load(): Promise<A>;
  findComment(key: {
    aggregateId: string;
    createdAt: string;
    commentId: string;
  }): Promise<CommentRecord | undefined>;
  /** Checks the caller may comment and writes the comment; with `claim`, in its transaction. */
  write(
    aggregate: A,
    commentId: string,
    claim: IdempotencyClaim | undefined,
  ): Promise<CommentRecord>;
}

/**
 * Adds a comment honouring an Idempotency-Key, as createOnce does for creates: a retry gets
 * the comment the key first wrote (found by the claim's time and the comment's id) instead
 * of writing it twice; the same key with another body, or on another aggregate, is refused.
 */
export async function commentOnce<A extends { id: string }>(
  request: { kind: string; ctx: RequestContext; key: string | undefined; input: unknown },
  steps: CommentOnceSteps<A>,
): Promise<{ comment: ReturnType<typeof commentView>; replayed: boolean }> {
  const { value, replayed } = await createOnce(
    { ...request, kind: `${request.kind}-comment` },
    {
      findClaim: steps.findClaim,
      replay: async (commentId, claim) => {
        const aggregate = await steps.load();
        const record = await steps.findComment({
          aggregateId: aggregate.id,
          createdAt: claim.createdAt,
          commentId,
        });
        if (!record) throw new NotFoundError(`Comment ${commentId} does not exist.`);
        return commentView(record);
      },
      create: async (claim) => {
        const aggregate = await steps.load();
        const commentId = uuidv7();
        return commentView(await steps.write(aggregate, commentId, claim?.(commentId)));
      },
    },
  );
  return { comment: value, replayed };
}
