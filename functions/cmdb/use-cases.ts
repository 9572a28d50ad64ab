import { v7 as uuidv7 } from 'uuid';
import { type Principal, Scopes } from '../../shared/auth';
import { ciGraphReader } from '../../shared/db/ci-graph';
import { TABLE_NAME_ENV } from '../../shared/db/table';
import { StaleVersionError, TransactionConflictError } from '../../shared/db/transactions';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../shared/errors';
import {
  CiCreated,
  CiRelationshipAdded,
  CiRelationshipRemoved,
  type CiSnapshot,
  CiUpdated,
} from '../../shared/events/cmdb';
import { domainEvent, type OutboxEvent } from '../../shared/events/domain-event';
import { actorOf, type EventContract } from '../../shared/events/envelope';
import {
  claimFor,
  type IdempotencyClaim,
  IdempotencyKeyTakenError,
  replayOf,
} from '../../shared/idempotency';
import type { RequestContext } from '../../shared/request-context';
import { validationErrorFrom } from '../../shared/validation';
import { config } from './config';
import {
  type AwsConfigImport,
  assertLifecycleTransition,
  type CanonicalRelationship,
  type CiClass,
  type ConfigurationItem,
  ConfigurationItemSchema,
  canonicalRelationship,
  ciFingerprint,
  computeImpact,
  fromAwsConfigItem,
  type ImpactResult,
  inverseOf,
  type RelationshipType,
  relationshipKey,
  validateRelationship,
} from './domain';
import { MAX_EDGES_PER_CI, MAX_IMPACT_CIS } from './limits';
import {
  type CiEdge,
  commit,
  getCi,
  getIdempotencyClaim,
  type ListCisQuery,
  listCis as queryCis,
  type StoredCi,
  type UnitOfWork,
} from './repository';

/**
 * CIs are not secret: every signed-in person may read the CMDB (a requester names the
 * affected CI when reporting). Agents and admins maintain it; machine clients need the
 * cmdb.read or cmdb.write scope.
 */
export function assertCanReadCmdb(principal: Principal): void {
  const allowed =
    principal.kind === 'user'
      ? principal.role !== undefined
      : principal.scopes.has(Scopes.cmdbRead) || principal.scopes.has(Scopes.cmdbWrite);
  if (!allowed) throw new ForbiddenError('Reading the CMDB requires the cmdb.read scope.');
}

export function assertCanWriteCmdb(principal: Principal): void {
  const allowed =
    principal.kind === 'user'
      ? principal.role === 'agent' || principal.role === 'admin'
      : principal.scopes.has(Scopes.cmdbWrite);
  if (!allowed) {
    throw new ForbiddenError('Changing the CMDB requires the agent role or the cmdb.write scope.');
  }
}

/** What clients and events see: no adjacency list, fingerprint or event sequence. */
export function snapshot(stored: StoredCi): CiSnapshot {
  const { edges: _edges, fingerprint: _fingerprint, eventSequence: _sequence, ...ci } = stored;
  return ci;
}

function domainItem(stored: StoredCi): ConfigurationItem {
  const { id, ciClass, name, ownerGroup, criticality, environment, lifecycleState, attributes } =
    stored;
  return {
    id,
    ciClass,
    name,
    ...(ownerGroup !== undefined ? { ownerGroup } : {}),
    criticality,
    environment,
    lifecycleState,
    attributes,
  };
}

/** Validates a CI as the domain defines it; issues name the offending fields. */
function validCi(candidate: unknown): ConfigurationItem {
  const parsed = ConfigurationItemSchema.safeParse(candidate);
  if (!parsed.success) throw validationErrorFrom(parsed.error);
  return parsed.data;
}

/**
 * Accumulates one use case's writes: CI revisions, each event numbered from its CI's own
 * event sequence, so that event ids stay unique and deterministic.
 */
class ChangeSet {
  private readonly work: UnitOfWork = { cis: [], events: [] };
  constructor(private readonly ctx: RequestContext) {}

  /** Stores `next` (conditional on `before`'s version) with the events built for it. */
  write(
    before: StoredCi | undefined,
    next: StoredCi,
    events: Array<{ contract: EventContract; data: (ci: CiSnapshot) => object }> = [],
  ): StoredCi {
    const firstSequence = (before?.eventSequence ?? 0) + 1;
    const stored: StoredCi = { ...next, eventSequence: firstSequence + events.length - 1 };
    this.work.cis.push(before ? { ci: stored, expectedVersion: before.version } : { ci: stored });
    events.forEach(({ contract, data }, index) => {
      this.work.events.push(this.event(contract, stored, firstSequence + index, data));
    });
    return stored;
  }

  private event(
    contract: EventContract,
    ci: StoredCi,
    sequence: number,
    data: (ci: CiSnapshot) => object,
  ): OutboxEvent {
    return domainEvent(
      contract,
      {
        aggregateId: ci.id,
        sequence,
        actor: actorOf(this.ctx.principal),
        occurredAt: this.ctx.now,
        ...(this.ctx.correlationId ? { correlationId: this.ctx.correlationId } : {}),
      },
      data(snapshot(ci)),
    );
  }

  idempotent(claim: IdempotencyClaim): void {
    this.work.idempotency = claim;
  }

  commit(): Promise<void> {
    return commit(this.work);
  }
}

/** Retries a use case whose transaction lost a race, re-reading everything it decided on. */
async function withRetries<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const retriable =
        error instanceof TransactionConflictError ||
        error instanceof StaleVersionError ||
        error instanceof IdempotencyKeyTakenError;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
    }
  }
}

async function loadCi(id: string): Promise<StoredCi> {
  const ci = await getCi(id);
  if (!ci) throw new NotFoundError(`CI ${id} does not exist.`);
  return ci;
}

export interface NewCiInput {
  ciClass: ConfigurationItem['ciClass'];
  name: string;
  ownerGroup?: string;
  criticality: ConfigurationItem['criticality'];
  environment: ConfigurationItem['environment'];
  lifecycleState?: ConfigurationItem['lifecycleState'];
  attributes?: Record<string, unknown>;
}

function revision(
  before: StoredCi | undefined,
  item: ConfigurationItem,
  ctx: RequestContext,
  extra: Partial<Pick<StoredCi, 'source' | 'capturedAt' | 'edges'>> = {},
): StoredCi {
  const capturedAt = extra.capturedAt ?? before?.capturedAt;
  return {
    ...item,
    source: extra.source ?? before?.source ?? 'manual',
    ...(capturedAt ? { capturedAt } : {}),
    fingerprint: ciFingerprint(item),
    edges: extra.edges ?? before?.edges ?? [],
    createdAt: before?.createdAt ?? ctx.now,
    updatedAt: ctx.now,
    version: (before?.version ?? 0) + 1,
    eventSequence: before?.eventSequence ?? 0,
  };
}

export interface CreateResult {
  ci: CiSnapshot;
  /** True when an earlier request with the same Idempotency-Key created it. */
  replayed: boolean;
}

/**
 * Creates a CI; a new CI starts `planned` unless the request says otherwise. With an
 * Idempotency-Key the key is claimed in the CI's transaction (shared/idempotency.ts): a retry
 * or a concurrent duplicate returns the first CI; the same key with another body is refused.
 */
export async function createCi(
  input: NewCiInput,
  ctx: RequestContext,
  idempotencyKey?: string,
): Promise<CreateResult> {
  assertCanWriteCmdb(ctx.principal);
  const item = validCi({ lifecycleState: 'planned', attributes: {}, ...input, id: uuidv7() });
  const idempotent = idempotencyKey
    ? { scope: `ci-create:${ctx.principal.id}`, key: idempotencyKey, input }
    : undefined;
  return withRetries(async () => {
    const earlier = idempotent && (await getIdempotencyClaim(idempotent.scope, idempotent.key));
    if (idempotent && earlier) {
      return { ci: snapshot(await loadCi(replayOf(earlier, idempotent))), replayed: true };
    }
    const changes = new ChangeSet(ctx);
    if (idempotent) changes.idempotent(claimFor(idempotent, item.id, ctx.now));
    const stored = changes.write(undefined, revision(undefined, item, ctx), [
      { contract: CiCreated, data: (ci) => ({ ci }) },
    ]);
    await changes.commit();
    return { ci: snapshot(stored), replayed: false };
  });
}

export async function getCiForPrincipal(id: string, principal: Principal): Promise<CiSnapshot> {
  assertCanReadCmdb(principal);
  return snapshot(await loadCi(id));
}

export async function listCis(
  query: ListCisQuery,
  principal: Principal,
): Promise<{ items: CiSnapshot[]; cursor: string | null }> {
  assertCanReadCmdb(principal);
  const page = await queryCis(query);
  return { items: page.items.map(snapshot), cursor: page.cursor };
}

/** Fields a PATCH may change; the class is fixed (another class is another CI). */
export interface CiPatch {
  name?: string;
  ownerGroup?: string | null;
  criticality?: ConfigurationItem['criticality'];
  environment?: ConfigurationItem['environment'];
  lifecycleState?: ConfigurationItem['lifecycleState'];
  /** Replaces all attributes. */
  attributes?: Record<string, unknown>;
}

/**
 * Updates fields (PATCH) under the lifecycle rules. `checkVersion` enforces If-Match; the
 * write is conditional on the version read, so of concurrent writers exactly one wins.
 */
export async function updateCi(
  id: string,
  patch: CiPatch,
  ctx: RequestContext,
  checkVersion: (current: CiSnapshot) => void,
): Promise<CiSnapshot> {
  assertCanWriteCmdb(ctx.principal);
  // A transaction conflict is retried on fresh data; a stale If-Match version is the client's 412.
  return withRetries(async () => {
    const current = await loadCi(id);
    checkVersion(snapshot(current));
    if (patch.lifecycleState !== undefined) {
      assertLifecycleTransition(current.lifecycleState, patch.lifecycleState);
    }
    const { ownerGroup, ...fields } = patch;
    const merged: Record<string, unknown> = { ...domainItem(current), ...fields };
    if (ownerGroup === null) delete merged.ownerGroup;
    else if (ownerGroup !== undefined) merged.ownerGroup = ownerGroup;
    const item = validCi(merged);
    if (ciFingerprint(item) === current.fingerprint) return snapshot(current);
    const changedFields = (Object.keys(patch) as Array<keyof CiPatch>).filter(
      (field) => JSON.stringify(item[field]) !== JSON.stringify(current[field]),
    );
    const changes = new ChangeSet(ctx);
    const stored = changes.write(current, revision(current, item, ctx), [
      { contract: CiUpdated, data: (ci) => ({ ci, changedFields }) },
    ]);
    await changes.commit().catch((error) => {
      if (error instanceof StaleVersionError) {
        throw new PreconditionFailedError('The CI was changed by someone else; read it again.');
      }
      throw error;
    });
    return snapshot(stored);
  });
}

/** A relationship as the CI in the path reads it, with its stored (forward) form. */
export interface RelationshipView {
  type: RelationshipType;
  target: string;
  canonical: CanonicalRelationship;
}

function viewOf(ciId: string, edge: CiEdge): RelationshipView {
  return {
    type: edge.type,
    target: edge.target,
    canonical: canonicalRelationship({ source: ciId, ...edge }),
  };
}

export async function listRelationships(
  id: string,
  principal: Principal,
): Promise<RelationshipView[]> {
  assertCanReadCmdb(principal);
  const ci = await loadCi(id);
  return ci.edges.map((edge) => viewOf(ci.id, edge));
}

const sameEdge = (a: CiEdge, b: CiEdge) => a.type === b.type && a.target === b.target;

function withEdge(ci: StoredCi, edge: CiEdge): CiEdge[] {
  if (ci.edges.length >= MAX_EDGES_PER_CI) {
    throw new ValidationError([
      {
        field: 'target',
        message: `CI ${ci.id} already has ${MAX_EDGES_PER_CI} relationships, the most a CI can have`,
      },
    ]);
  }
  return [...ci.edges, edge];
}

/**
 * Writes one relationship on both ends in one transaction, conditional on both CIs' versions,
 * with a CiRelationshipAdded event on `source`. Either form of a pair is accepted; a fact that
 * exists in either form is a 409.
 */
async function link(
  source: StoredCi,
  type: RelationshipType,
  target: StoredCi,
  ctx: RequestContext,
): Promise<RelationshipView> {
  validateRelationship(source, type, target);
  const key = relationshipKey({ source: source.id, type, target: target.id });
  if (source.edges.some((edge) => relationshipKey({ source: source.id, ...edge }) === key)) {
    throw new ConflictError(`The relationship ${source.id} ${type} ${target.id} already exists.`);
  }
  const edge: CiEdge = { type, target: target.id };
  const relationship = canonicalRelationship({ source: source.id, type, target: target.id });
  const changes = new ChangeSet(ctx);
  changes.write(
    source,
    revision(source, domainItem(source), ctx, { edges: withEdge(source, edge) }),
    [{ contract: CiRelationshipAdded, data: (ci) => ({ ci, relationship }) }],
  );
  changes.write(
    target,
    revision(target, domainItem(target), ctx, {
      edges: withEdge(target, { type: inverseOf(type), target: source.id }),
    }),
  );
  await changes.commit();
  return viewOf(source.id, edge);
}

export async function addRelationship(
  id: string,
  input: { type: RelationshipType; target: string },
  ctx: RequestContext,
): Promise<RelationshipView> {
  assertCanWriteCmdb(ctx.principal);
  return withRetries(async () => {
    const source = await loadCi(id);
    const target = await getCi(input.target);
    if (!target) {
      throw new ValidationError([
        { field: 'target', message: `CI ${input.target} does not exist` },
      ]);
    }
    return link(source, input.type, target, ctx);
  });
}

/** Removes a relationship (given in either form) from both ends in one transaction. */
export async function removeRelationship(
  id: string,
  relationship: { type: RelationshipType; target: string },
  ctx: RequestContext,
): Promise<void> {
  assertCanWriteCmdb(ctx.principal);
  await withRetries(async () => {
    const source = await loadCi(id);
    const edge = source.edges.find((candidate) => sameEdge(candidate, relationship));
    if (!edge) {
      throw new NotFoundError(
        `CI ${id} has no relationship ${relationship.type} ${relationship.target}.`,
      );
    }
    const target = await getCi(edge.target);
    const inverse: CiEdge = { type: inverseOf(edge.type), target: source.id };
    const canonical = canonicalRelationship({ source: source.id, ...edge });
    const changes = new ChangeSet(ctx);
    changes.write(
      source,
      revision(source, domainItem(source), ctx, {
        edges: source.edges.filter((candidate) => !sameEdge(candidate, edge)),
      }),
      [{ contract: CiRelationshipRemoved, data: (ci) => ({ ci, relationship: canonical }) }],
    );
    if (target) {
      changes.write(
        target,
        revision(target, domainItem(target), ctx, {
          edges: target.edges.filter((candidate) => !sameEdge(candidate, inverse)),
        }),
      );
    }
    await changes.commit();
  });
}

const graph = ciGraphReader<CiClass>(config[TABLE_NAME_ENV]);

/**
 * What fails with CI `id`: the neighbourhood the walk needs, loaded level by level
 * (shared/db/ci-graph.ts), then the pure domain walk on it.
 */
export async function impactOf(
  id: string,
  maxDepth: number,
  principal: Principal,
): Promise<ImpactResult> {
  assertCanReadCmdb(principal);
  const start = await loadCi(id);
  const subgraph = await graph.loadImpactSubgraph([start], maxDepth, MAX_IMPACT_CIS);
  const result = computeImpact(subgraph.graph, start.id, { maxDepth });
  return subgraph.capped ? { ...result, truncated: true } : result;
}

export type ImportOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

export interface ImportResult {
  ciId: string;
  outcome: ImportOutcome;
  relationshipsAdded: number;
  warnings: string[];
}

/**
 * Imports AWS Config configuration items, one after the other. Each CI is upserted under its
 * deterministic id: a document captured before the stored state is ignored, an unchanged CI
 * (same fingerprint) is not written. The document's relationships are then added on both
 * ends, each in its own transaction; a relationship to a resource not imported yet is left
 * out with a warning (importing that resource adds it from its side). Re-importing a document
 * therefore writes nothing and publishes nothing.
 */
export async function importAwsConfigItems(
  documents: readonly unknown[],
  ctx: RequestContext,
): Promise<ImportResult[]> {
  assertCanWriteCmdb(ctx.principal);
  // All documents are checked before the first is written, so a bad one imports nothing.
  const imports = documents.map((document, index) => {
    try {
      return fromAwsConfigItem(document);
    } catch (error) {
      if (!(error instanceof ValidationError) || documents.length === 1) throw error;
      throw new ValidationError(
        error.issues.map((issue) => ({ ...issue, field: `${index}.${issue.field}` })),
      );
    }
  });
  const results: ImportResult[] = [];
  for (const imported of imports) results.push(await importOne(imported, ctx));
  return results;
}

/** Imports one configuration item, as AWS Config delivers them (see importAwsConfigItems). */
export async function importAwsConfigItem(
  document: unknown,
  ctx: RequestContext,
): Promise<ImportResult> {
  assertCanWriteCmdb(ctx.principal);
  return importOne(fromAwsConfigItem(document), ctx);
}

/**
 * What an import stores for a CI it already holds. A deleted resource's document carries
 * neither tags nor configuration, so the CI is retired with what was known of it (owner
 * group, environment, criticality, attributes) rather than with the mapping's defaults.
 */
function importedItem(existing: StoredCi, imported: ConfigurationItem): ConfigurationItem {
  return imported.lifecycleState === 'retired'
    ? { ...domainItem(existing), lifecycleState: 'retired' }
    : imported;
}

async function importOne(imported: AwsConfigImport, ctx: RequestContext): Promise<ImportResult> {
  const warnings = [...imported.warnings];
  const ciId = imported.ci.id;
  const outcome = await withRetries(async (): Promise<ImportOutcome> => {
    const existing = await getCi(ciId);
    if (existing?.capturedAt && existing.capturedAt > imported.capturedAt) return 'stale';
    const item = existing ? importedItem(existing, imported.ci) : imported.ci;
    if (existing && existing.fingerprint === ciFingerprint(item)) return 'unchanged';
    const changes = new ChangeSet(ctx);
    const next = revision(existing, item, ctx, {
      source: 'aws-config',
      capturedAt: imported.capturedAt,
    });
    changes.write(existing, next, [
      existing
        ? {
            contract: CiUpdated,
            data: (ci) => ({ ci, changedFields: changedFieldsOf(existing, item) }),
          }
        : { contract: CiCreated, data: (ci) => ({ ci }) },
    ]);
    await changes.commit();
    return existing ? 'updated' : 'created';
  });
  if (outcome === 'stale') return { ciId, outcome, relationshipsAdded: 0, warnings };

  let relationshipsAdded = 0;
  for (const relationship of imported.relationships) {
    const other = relationship.source === ciId ? relationship.target : relationship.source;
    const added = await withRetries(async () => {
      const [self, related] = [await loadCi(ciId), await getCi(other)];
      if (!related) {
        warnings.push(
          `${relationship.type} ${relationship.related.resourceType} ${relationship.related.resourceId} not linked: not imported yet`,
        );
        return false;
      }
      const key = relationshipKey(relationship);
      if (self.edges.some((edge) => relationshipKey({ source: self.id, ...edge }) === key)) {
        return false;
      }
      const [source, target] = relationship.source === ciId ? [self, related] : [related, self];
      try {
        await link(source, relationship.type, target, ctx);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        warnings.push(`${relationship.type} ${other} not linked: ${error.message}`);
        return false;
      }
      return true;
    });
    if (added) relationshipsAdded++;
  }
  return { ciId, outcome, relationshipsAdded, warnings };
}

function changedFieldsOf(before: StoredCi, after: ConfigurationItem): string[] {
  const fields = [
    'name',
    'ownerGroup',
    'criticality',
    'environment',
    'lifecycleState',
    'attributes',
  ] as const;
  return fields.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
}
