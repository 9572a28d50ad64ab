import { Entity } from 'electrodb';
import { OUTBOX_RECORD_TYPE } from '../events/outbox';
import type { IdempotencyClaim } from '../idempotency';
import { TABLE_KEYS } from './table';

/**
 * Entities every process area shares: the transactional outbox, number counters and
 * idempotency records. All live in the single table under the primary key.
 */
export const SERVICE = 'itsm';

const primaryKey = <const Composite extends readonly string[]>(composite: Composite) => ({
  pk: { field: TABLE_KEYS.partitionKey, composite },
  sk: { field: TABLE_KEYS.sortKey, composite: [] as const },
});

/** Outbox items live one day: long enough for the pipe, short enough to stay cheap. */
export const OUTBOX_RETENTION_SECONDS = 24 * 60 * 60;

export const outboxEntity = new Entity({
  model: { entity: 'outbox', version: '1', service: SERVICE },
  attributes: {
    recordType: {
      type: [OUTBOX_RECORD_TYPE] as const,
      required: true,
      default: OUTBOX_RECORD_TYPE,
    },
    eventId: { type: 'string', required: true },
    source: { type: 'string', required: true },
    detailType: { type: 'string', required: true },
    detail: { type: 'string', required: true },
    occurredAt: { type: 'string', required: true },
    expiresAt: { type: 'number', required: true, field: TABLE_KEYS.timeToLive },
  },
  indexes: { primary: primaryKey(['eventId']) },
});

export const counterEntity = new Entity({
  model: { entity: 'counter', version: '1', service: SERVICE },
  attributes: {
    name: { type: 'string', required: true },
    value: { type: 'number', required: true, default: 0 },
  },
  indexes: { primary: primaryKey(['name']) },
});

/** Idempotency records live a day, like the usual Idempotency-Key retention of API providers. */
export const IDEMPOTENCY_RETENTION_SECONDS = 24 * 60 * 60;

export const idempotencyEntity = new Entity({
  model: { entity: 'idempotency', version: '1', service: SERVICE },
  attributes: {
    scope: { type: 'string', required: true },
    key: { type: 'string', required: true },
    requestHash: { type: 'string', required: true },
    resourceId: { type: 'string', required: true },
    createdAt: { type: 'string', required: true },
    // Absent on the claims that are kept (work notes): TTL leaves such items alone.
    expiresAt: { type: 'number', field: TABLE_KEYS.timeToLive },
  },
  indexes: { primary: primaryKey(['scope', 'key']) },
});

/** What an area's idempotency entity offers, as far as finding a claim needs. */
interface ClaimGet {
  get(key: { scope: string; key: string }): {
    go(options: { consistent: true }): Promise<{ data: unknown }>;
  };
}

/** The claim of an Idempotency-Key (strongly consistent), or undefined. */
export async function findClaim(
  idempotency: ClaimGet,
  scope: string,
  key: string,
): Promise<IdempotencyClaim | undefined> {
  const { data } = await idempotency.get({ scope, key }).go({ consistent: true });
  return (data as IdempotencyClaim | null) ?? undefined;
}
