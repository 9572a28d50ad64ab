import { isSystemPrincipal, type Principal } from '../auth';
import * as z from '../zod';

/** Who caused a change: a person (user token), a machine client (client credentials) or the system itself. */
export const ActorSchema = z.object({
  id: z.string().check(z.minLength(1)),
  kind: z.enum(['user', 'client', 'system']),
  /** The person's role when the change was made; consumers such as parent/child sync need it. */
  role: z.optional(z.enum(['requester', 'agent', 'admin'])),
});
export type Actor = z.infer<typeof ActorSchema>;

/** The actor an event or history entry records for the principal that made the change. */
export function actorOf(principal: Principal): Actor {
  return {
    id: principal.id,
    kind: isSystemPrincipal(principal) ? 'system' : principal.kind,
    ...(principal.role ? { role: principal.role } : {}),
  };
}

/**
 * Metadata every domain event carries in `detail.metadata`. `eventId` is derived from the
 * aggregate and its per-aggregate `sequence`, so a redelivered or replayed event carries the
 * same id and consumers can deduplicate on it; `sequence` lets them order events per aggregate.
 */
export const EventMetadataSchema = z.object({
  eventId: z.string().check(z.minLength(1)),
  eventType: z.string().check(z.minLength(1)),
  eventVersion: z.int().check(z.positive()),
  aggregateType: z.string().check(z.minLength(1)),
  aggregateId: z.string().check(z.minLength(1)),
  sequence: z.int().check(z.positive()),
  occurredAt: z.iso.datetime(),
  actor: ActorSchema,
  correlationId: z.optional(z.string()),
});
export type EventMetadata = z.infer<typeof EventMetadataSchema>;

export interface EventContract<Data extends z.ZodMiniType = z.ZodMiniType> {
  /** EventBridge `source`. */
  readonly source: string;
  /** EventBridge `detail-type`. */
  readonly detailType: string;
  /** Schema version of `detail`; a breaking change gets a new contract with a new version. */
  readonly version: number;
  readonly aggregateType: string;
  /** Schema of `detail.data`. */
  readonly data: Data;
  /** Schema of the whole `detail`: `{ metadata, data }`. */
  readonly detail: z.ZodMiniObject<{ metadata: typeof EventMetadataSchema; data: Data }>;
}

export function defineEvent<Data extends z.ZodMiniType>(contract: {
  source: string;
  detailType: string;
  version: number;
  aggregateType: string;
  data: Data;
}): EventContract<Data> {
  return {
    ...contract,
    detail: z.object({ metadata: EventMetadataSchema, data: contract.data }),
  };
}

export function eventIdFor(aggregateType: string, aggregateId: string, sequence: number): string {
  return `${aggregateType}/${aggregateId}/${sequence}`;
}

export type EventDetail<C extends EventContract> = {
  metadata: EventMetadata;
  data: z.infer<C['data']>;
};
