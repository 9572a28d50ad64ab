import { v7 as uuidv7 } from 'uuid';
import type { Principal } from '../../shared/auth';
import type { ListPage } from '../../shared/db/listing';
import { numberedAfterChecks } from '../../shared/db/numbers';
import { StaleVersionError } from '../../shared/db/transactions';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../../shared/errors';
import type { FieldChange } from '../../shared/events/incidents';
import type { RequestContext } from '../../shared/request-context';
import {
  ChangeSet,
  createOnce,
  emptyWork,
  publicView,
  staleAsConflict,
  withRetries,
} from '../../shared/unit-of-work';
import { validationErrorFrom } from '../../shared/validation';
import {
  assertCanView,
  assertCanWrite,
  canView,
  type Release,
  type ReleaseMember,
  ReleaseSchema,
  type ReleaseStatus,
  releaseStatus,
} from './domain';
import { MAX_RELEASE_CHANGES } from './limits';
import {
  allocateReleaseNumber,
  commitRelease,
  getRelease,
  getReleaseByNumber,
  getReleaseIdempotencyClaim,
  listReleaseHistory as queryHistory,
  listReleases as queryReleases,
  RELEASE_NUMBER_PREFIX,
  type StoredRelease,
} from './release-repository';
import { getChangeByNumber, getChanges } from './repository';

const RELEASE_NUMBER = new RegExp(`^${RELEASE_NUMBER_PREFIX}\\d{7,}$`, 'i');
const CHANGE_NUMBER = /^CHG\d{7,}$/i;

const unique = <T>(values: readonly T[]) => [...new Set(values)];

/** A release as the API shows it: what is stored, its changes as they stand, and its state. */
export interface ReleaseView extends Release {
  status: ReleaseStatus;
  changes: ReleaseMember[];
}

const snapshot = (stored: StoredRelease): Release => publicView(stored);

function memberOf(change: ReleaseMember): ReleaseMember {
  const { id, number, state, outcome, plannedStart, plannedEnd } = change;
  return {
    id,
    number,
    state,
    ...(outcome ? { outcome } : {}),
    ...(plannedStart ? { plannedStart } : {}),
    ...(plannedEnd ? { plannedEnd } : {}),
  };
}

/**
 * Each release with its state, computed from its changes' current states: one BatchGetItem
 * (eventually consistent) for the changes of all of them.
 */
async function viewsOf(releases: readonly StoredRelease[]): Promise<ReleaseView[]> {
  const changes = await getChanges(unique(releases.flatMap((release) => release.changeIds)));
  const byId = new Map(changes.map((change) => [change.id, memberOf(change)]));
  return releases.map((stored) => {
    const release = snapshot(stored);
    const members = release.changeIds.flatMap((id) => byId.get(id) ?? []);
    return { ...release, status: releaseStatus(release, members), changes: members };
  });
}

async function viewOf(release: StoredRelease): Promise<ReleaseView> {
  const [view] = await viewsOf([release]);
  return view as ReleaseView;
}

async function findRelease(idOrNumber: string): Promise<StoredRelease | undefined> {
  return RELEASE_NUMBER.test(idOrNumber)
    ? getReleaseByNumber(idOrNumber.toUpperCase())
    : getRelease(idOrNumber);
}

/** Releases are seen by those who see changes; to others they do not exist (404). */
async function loadVisibleRelease(
  idOrNumber: string,
  principal: Principal,
): Promise<StoredRelease> {
  const release = canView(principal) ? await findRelease(idOrNumber) : undefined;
  if (!release) throw new NotFoundError(`Release ${idOrNumber} does not exist.`);
  return release;
}

/** The ids of the changes named by id or number; any unknown one is a 400 naming it. */
async function changeIds(keys: readonly string[]): Promise<string[]> {
  const byNumber = await Promise.all(
    keys.map(async (key) => {
      if (!CHANGE_NUMBER.test(key)) return undefined;
      return (await getChangeByNumber(key.toUpperCase()))?.id;
    }),
  );
  const named = keys.map((key, index) => (CHANGE_NUMBER.test(key) ? byNumber[index] : key));
  const found = new Set(
    (await getChanges(unique(named.flatMap((id) => id ?? [])))).map((change) => change.id),
  );
  const unknown = keys.filter((_, index) => {
    const id = named[index];
    return id === undefined || !found.has(id);
  });
  if (unknown.length > 0) {
    throw new ValidationError(
      unknown.map((key) => ({ field: 'changes', message: `change ${key} does not exist` })),
    );
  }
  return unique(named as string[]);
}

/** The release as the domain's schema validates it (400 naming each field otherwise). */
function validRelease(release: Release): Release {
  const parsed = ReleaseSchema.safeParse(release);
  if (!parsed.success) throw validationErrorFrom(parsed.error);
  if (parsed.data.changeIds.length > MAX_RELEASE_CHANGES) {
    throw new ValidationError([
      { field: 'changes', message: `a release holds at most ${MAX_RELEASE_CHANGES} changes` },
    ]);
  }
  return parsed.data;
}

const instant = (iso: string) => new Date(iso).toISOString();

function releaseWrites(ctx: RequestContext) {
  return new ChangeSet<StoredRelease>(ctx, emptyWork<StoredRelease>(), commitRelease);
}

function staleVersion(error: unknown): never {
  if (error instanceof StaleVersionError) {
    throw new PreconditionFailedError('The release was changed by someone else; read it again.');
  }
  throw error;
}

export interface NewReleaseInput {
  name: string;
  description?: string;
  targetStart: string;
  targetEnd: string;
  /** Change ids or numbers (CHG0001001). */
  changes?: string[];
}

/** Creates a release; an Idempotency-Key makes retries return the first one. */
export async function createRelease(
  input: NewReleaseInput,
  ctx: RequestContext,
  idempotencyKey?: string,
): Promise<{ release: ReleaseView; replayed: boolean }> {
  assertCanWrite(ctx.principal);
  const { value, replayed } = await createOnce(
    { kind: 'release', ctx, key: idempotencyKey, input },
    {
      findClaim: getReleaseIdempotencyClaim,
      replay: async (id) => {
        const existing = await getRelease(id);
        if (!existing) throw new NotFoundError(`Release ${id} does not exist.`);
        return viewOf(existing);
      },
      create: async (claim) => {
        const { changes, ...fields } = input;
        const ids = await changeIds(changes ?? []);
        const id = uuidv7();
        const release = await numberedAfterChecks(
          (number) =>
            validRelease({
              ...fields,
              targetStart: instant(fields.targetStart),
              targetEnd: instant(fields.targetEnd),
              changeIds: ids,
              id,
              number,
              createdAt: ctx.now,
              updatedAt: ctx.now,
              version: 1,
            }),
          allocateReleaseNumber,
        );
        const writes = releaseWrites(ctx);
        const stored = writes.create(release, claim, []);
        await writes.commit();
        return viewOf(stored);
      },
    },
  );
  return { release: value, replayed };
}

export async function getReleaseForPrincipal(
  idOrNumber: string,
  principal: Principal,
): Promise<ReleaseView> {
  return viewOf(await loadVisibleRelease(idOrNumber, principal));
}

/** A page of releases, newest first, each with its state. */
export async function listReleases(
  page: ListPage,
  principal: Principal,
): Promise<{ items: ReleaseView[]; cursor: string | null }> {
  assertCanView(principal);
  const result = await queryReleases(page);
  return { items: await viewsOf(result.items), cursor: result.cursor };
}

export async function listReleaseHistory(idOrNumber: string, page: ListPage, principal: Principal) {
  const release = await loadVisibleRelease(idOrNumber, principal);
  const result = await queryHistory(release.id, page);
  return {
    items: result.items.map(({ aggregateId: _id, ...entry }) => entry),
    cursor: result.cursor,
  };
}

/** Absent leaves a field alone; `null` clears the description. */
export interface ReleasePatch {
  name?: string;
  description?: string | null;
  targetStart?: string;
  targetEnd?: string;
}

type Revision = (current: Release) => { next: Release; changes: FieldChange[] };

/**
 * Writes a revision of the release. With a version check (If-Match) it must be based on that
 * version (412 otherwise); without, a revision that lost a race is made again on fresh data.
 */
async function reviseRelease(
  idOrNumber: string,
  action: string,
  revision: Revision,
  ctx: RequestContext,
  checkVersion?: (current: Release) => void,
): Promise<ReleaseView> {
  const attempt = async () => {
    const current = await loadVisibleRelease(idOrNumber, ctx.principal);
    checkVersion?.(current);
    assertCanWrite(ctx.principal);
    const { next, changes } = revision(snapshot(current));
    if (changes.length === 0) return viewOf(current);
    const release = validRelease({ ...next, updatedAt: ctx.now, version: current.version + 1 });
    const writes = releaseWrites(ctx);
    const stored = writes.revise(current, release, action, changes, []);
    await writes.commit().catch((error) => {
      if (checkVersion && error instanceof StaleVersionError) throw error;
      return staleAsConflict(error);
    });
    return viewOf(stored);
  };
  return withRetries(attempt).catch(staleVersion);
}

/** PATCH with If-Match: name, description and the target window. */
export function updateRelease(
  idOrNumber: string,
  patch: ReleasePatch,
  ctx: RequestContext,
  checkVersion: (current: Release) => void,
): Promise<ReleaseView> {
  return reviseRelease(
    idOrNumber,
    'update',
    (current) => {
      const next: Record<string, unknown> = { ...current };
      const changes: FieldChange[] = [];
      for (const [field, given] of Object.entries(patch)) {
        if (given === undefined) continue;
        const value =
          given !== null && (field === 'targetStart' || field === 'targetEnd')
            ? instant(given)
            : given;
        const old = next[field];
        if (old === (value ?? undefined)) continue;
        if (value === null) delete next[field];
        else next[field] = value;
        changes.push({ field, old: old ?? null, new: value });
      }
      return { next: next as Release, changes };
    },
    ctx,
    checkVersion,
  );
}

/** Adds changes (ids or numbers; those already in the release are left as they are). */
export async function addReleaseChanges(
  idOrNumber: string,
  keys: readonly string[],
  ctx: RequestContext,
  checkVersion?: (current: Release) => void,
): Promise<ReleaseView> {
  const ids = await changeIds(keys);
  return reviseRelease(
    idOrNumber,
    'add-changes',
    (current) => {
      const added = ids.filter((id) => !current.changeIds.includes(id));
      const changeIds = [...current.changeIds, ...added];
      return {
        next: { ...current, changeIds },
        changes:
          added.length === 0
            ? []
            : [{ field: 'changeIds', old: current.changeIds, new: changeIds }],
      };
    },
    ctx,
    checkVersion,
  );
}

/** Removes a change (id or number) from the release; 404 when the release does not list it. */
export async function removeReleaseChange(
  idOrNumber: string,
  changeKey: string,
  ctx: RequestContext,
  checkVersion?: (current: Release) => void,
): Promise<ReleaseView> {
  const id = CHANGE_NUMBER.test(changeKey)
    ? (await getChangeByNumber(changeKey.toUpperCase()))?.id
    : changeKey;
  return reviseRelease(
    idOrNumber,
    'remove-change',
    (current) => {
      if (id === undefined || !current.changeIds.includes(id)) {
        throw new NotFoundError(`Release ${current.number} does not list change ${changeKey}.`);
      }
      const changeIds = current.changeIds.filter((listed) => listed !== id);
      return {
        next: { ...current, changeIds },
        changes: [{ field: 'changeIds', old: current.changeIds, new: changeIds }],
      };
    },
    ctx,
    checkVersion,
  );
}
