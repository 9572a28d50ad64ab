import { Service } from 'electrodb';
import { createTemplate } from '../../../functions/change/catalog';
import type { Change, ChangeModel, Interval } from '../../../functions/change/domain';
import { getChange } from '../../../functions/change/repository';
import { type CreateChangeInput, createChange } from '../../../functions/change/use-cases';
import { addRelationship, createCi } from '../../../functions/cmdb/use-cases';
import { type Principal, Scopes } from '../../../shared/auth';
import { documentClient } from '../../../shared/db/client';
import { outboxEntity } from '../../../shared/db/entities';
import { CHANGE_AGGREGATE } from '../../../shared/events/changes';
import { type EventContract, eventIdFor } from '../../../shared/events/envelope';
import type * as z from '../../../shared/zod';
import { admin, agent, ctx } from '../incident/support';

export { admin, agent, ctx, requesterPrincipal } from '../incident/support';

export const readingClient: Principal = {
  id: 'change-reporting',
  kind: 'client',
  role: undefined,
  scopes: new Set([Scopes.changesRead]),
};

export const writingClient: Principal = {
  id: 'change-pipeline',
  kind: 'client',
  role: undefined,
  scopes: new Set([Scopes.changesWrite]),
};

export const firstPage = { limit: 100, cursor: null };

export const uniqueName = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

export interface CiOptions {
  ciClass?: string;
  criticality?: 1 | 2 | 3 | 4;
  ownerGroup?: string;
  lifecycleState?: string;
}

/** A CI of the CMDB, created through its own use cases. */
export async function aCi(options: CiOptions = {}): Promise<string> {
  const { ci } = await createCi(
    {
      ciClass: options.ciClass ?? 'application',
      name: uniqueName(options.ciClass ?? 'app'),
      criticality: options.criticality ?? 3,
      environment: 'production',
      lifecycleState: options.lifecycleState ?? 'operational',
      ...(options.ownerGroup ? { ownerGroup: options.ownerGroup } : {}),
    } as Parameters<typeof createCi>[0],
    ctx(admin),
  );
  return ci.id;
}

export async function relate(source: string, type: string, target: string): Promise<void> {
  await addRelationship(
    source,
    { type: type as Parameters<typeof addRelationship>[1]['type'], target },
    ctx(admin),
  );
}

const HOUR_MS = 60 * 60 * 1000;
const WEEK_MS = 7 * 24 * HOUR_MS;
/** Saturday 4 January 2031, 22:00 UTC. */
const FIRST_SATURDAY_NIGHT = Date.UTC(2031, 0, 4, 22);
const WEEKS_AHEAD = 400_000;

/**
 * Saturday 22:00 UTC of a random far-future week: each test plans in its own week, so that
 * the schedule other test files write (the table is shared) does not overlap it.
 */
export function aSaturdayNight(): number {
  return FIRST_SATURDAY_NIGHT + Math.floor(Math.random() * WEEKS_AHEAD) * WEEK_MS;
}

/** [base + fromHours, base + toHours) */
export function windowAt(base: number, fromHours: number, toHours: number): Interval {
  return {
    start: new Date(base + fromHours * HOUR_MS).toISOString(),
    end: new Date(base + toHours * HOUR_MS).toISOString(),
  };
}

/** A normal change ready for assessment and authorization, on `cis`, Saturday 22:00-02:00. */
export function changeInput(
  cis: string[],
  overrides: Partial<Extract<CreateChangeInput, { model: 'normal' | 'emergency' }>> = {},
): CreateChangeInput {
  const window = windowAt(aSaturdayNight(), 0, 4);
  return {
    model: 'normal',
    shortDescription: 'Patch the database servers',
    plannedStart: window.start,
    plannedEnd: window.end,
    implementationPlan: 'Apply the patch to each node in turn',
    backoutPlan: 'Restore the snapshot taken before',
    testPlan: 'Run the smoke tests',
    affectedCis: cis,
    assignmentGroup: 'dba',
    ...overrides,
  };
}

export async function aChange(
  cis: string[],
  overrides: Partial<Extract<CreateChangeInput, { model: 'normal' | 'emergency' }>> & {
    model?: Exclude<ChangeModel, 'standard'>;
  } = {},
  principal: Principal = agent,
): Promise<Change> {
  return (await createChange(changeInput(cis, overrides), ctx(principal))).change;
}

export async function aTemplate(cis: string[], name = uniqueName('template')) {
  const { template } = await createTemplate(
    {
      name,
      shortDescription: 'Rotate the TLS certificate',
      implementationPlan: 'Upload the new certificate and switch the listener',
      backoutPlan: 'Switch the listener back',
      testPlan: 'Check the handshake',
      affectedCis: cis,
    },
    ctx(admin),
  );
  return template;
}

const outbox = new Service(
  { outbox: outboxEntity },
  { client: documentClient, table: process.env.TABLE_NAME },
).entities.outbox;

export interface PublishedEvent {
  detailType: string;
  sequence: number;
  detail: unknown;
}

/**
 * The outbox events of a change, in sequence order, read by key (`change/<id>/<sequence>`) up
 * to a few sequences past the change's own count: an event written beyond it shows up too.
 */
export async function changeEvents(changeId: string): Promise<PublishedEvent[]> {
  const stored = await getChange(changeId);
  const last = (stored?.eventSequence ?? 0) + 3;
  const keys = Array.from({ length: last }, (_, index) => ({
    eventId: eventIdFor(CHANGE_AGGREGATE, changeId, index + 1),
  }));
  const { data } = await outbox.get(keys).go({ consistent: true });
  return data
    .map((item) => {
      const detail = JSON.parse(item.detail) as { metadata: { sequence: number } };
      return { detailType: item.detailType, sequence: detail.metadata.sequence, detail };
    })
    .sort((a, b) => a.sequence - b.sequence);
}

export const detailTypes = (events: readonly PublishedEvent[]) =>
  events.map((event) => event.detailType);

/** The data of the events of one contract, checked against the contract's schema. */
export function dataOf<C extends EventContract>(
  events: readonly PublishedEvent[],
  contract: C,
): z.output<C['data']>[] {
  return events
    .filter((event) => event.detailType === contract.detailType)
    .map((event) => contract.detail.parse(event.detail).data as z.output<C['data']>);
}
