import { v7 as uuidv7 } from 'uuid';
import { type Principal, Scopes } from '../../shared/auth';
import type { ListPage } from '../../shared/db/listing';
import { StaleVersionError } from '../../shared/db/transactions';
import { ForbiddenError, NotFoundError, PreconditionFailedError } from '../../shared/errors';
import type { RequestContext } from '../../shared/request-context';
import { createOnce, withRetries } from '../../shared/unit-of-work';
import { validationErrorFrom } from '../../shared/validation';
import {
  assertCanView,
  type BlackoutScope,
  BlackoutWindowSchema,
  type ChangeTemplate,
  ChangeTemplateSchema,
} from './domain';
import {
  blackoutsPage,
  createBlackout,
  deleteBlackout,
  getBlackout,
  getIdempotencyClaim,
  getTemplate,
  putTemplate,
  listTemplates as queryTemplates,
  type StoredBlackout,
} from './repository';
import { assertConfigurationItems } from './use-cases';

/**
 * What changes are planned against: the standard change templates (pre-approved procedures)
 * and the blackout windows. Agents and readers see them; only admins and clients with
 * changes.write maintain them, since a template is an approval given in advance and a
 * blackout stops everyone's changes (docs/changes.md).
 */
function canMaintain(principal: Principal): boolean {
  return principal.kind === 'user'
    ? principal.role === 'admin'
    : principal.scopes.has(Scopes.changesWrite);
}

function assertCanMaintain(principal: Principal): void {
  if (!canMaintain(principal)) {
    throw new ForbiddenError(
      'Templates and blackout windows are maintained by admins (or clients with changes.write).',
    );
  }
}

/** A template as validated by the domain's schema (400 naming each field otherwise). */
function validTemplate(template: ChangeTemplate): ChangeTemplate {
  const parsed = ChangeTemplateSchema.safeParse(template);
  if (!parsed.success) throw validationErrorFrom(parsed.error);
  return parsed.data;
}

export type NewTemplateInput = Omit<
  ChangeTemplate,
  'id' | 'active' | 'createdAt' | 'updatedAt' | 'version'
> & { active?: boolean };

/** Creates a template; an Idempotency-Key makes retries return the first one (createOnce). */
export async function createTemplate(
  input: NewTemplateInput,
  ctx: RequestContext,
  idempotencyKey?: string,
): Promise<{ template: ChangeTemplate; replayed: boolean }> {
  assertCanMaintain(ctx.principal);
  const { value, replayed } = await createOnce(
    { kind: 'change-template', ctx, key: idempotencyKey, input },
    {
      findClaim: getIdempotencyClaim,
      replay: (id) => getTemplateForPrincipal(id, ctx.principal),
      create: async (claim) => {
        await assertConfigurationItems('affectedCis', input.affectedCis);
        const template = validTemplate({
          ...input,
          affectedCis: [...new Set(input.affectedCis)],
          active: input.active ?? true,
          id: uuidv7(),
          createdAt: ctx.now,
          updatedAt: ctx.now,
          version: 1,
        });
        await putTemplate(template, undefined, claim?.(template.id));
        return template;
      },
    },
  );
  return { template: value, replayed };
}

export async function getTemplateForPrincipal(
  id: string,
  principal: Principal,
): Promise<ChangeTemplate> {
  assertCanView(principal);
  const template = await getTemplate(id);
  if (!template) throw new NotFoundError(`Template ${id} does not exist.`);
  return template;
}

export function listTemplates(
  query: { active?: boolean } & ListPage,
  principal: Principal,
): Promise<{ items: ChangeTemplate[]; cursor: string | null }> {
  assertCanView(principal);
  return queryTemplates(query);
}

/** Absent leaves a field alone, `null` clears an optional one. */
export type TemplatePatch = Partial<
  Omit<NewTemplateInput, 'description' | 'category'> & {
    description: string | null;
    category: string | null;
  }
>;

/**
 * PATCH with If-Match. Retiring a template (`active: false`) stops new changes from it; the
 * changes already made from it keep the plans they copied.
 */
export async function updateTemplate(
  id: string,
  patch: TemplatePatch,
  ctx: RequestContext,
  checkVersion: (current: ChangeTemplate) => void,
): Promise<ChangeTemplate> {
  // A transaction conflict is retried on fresh data; a stale If-Match version is the client's 412.
  return withRetries(async () => {
    const current = await getTemplateForPrincipal(id, ctx.principal);
    checkVersion(current);
    assertCanMaintain(ctx.principal);
    const added = (patch.affectedCis ?? []).filter((ci) => !current.affectedCis.includes(ci));
    await assertConfigurationItems('affectedCis', added);
    const next: Record<string, unknown> = { ...current };
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete next[field];
      else if (value !== undefined) next[field] = value;
    }
    const template = validTemplate({
      ...(next as ChangeTemplate),
      affectedCis: [...new Set((next as ChangeTemplate).affectedCis)],
      updatedAt: ctx.now,
      version: current.version + 1,
    });
    await putTemplate(template, current.version).catch((error) => {
      if (error instanceof StaleVersionError) {
        throw new PreconditionFailedError(
          'The template was changed by someone else; read it again.',
        );
      }
      throw error;
    });
    return template;
  });
}

export interface NewBlackoutInput {
  name: string;
  start: string;
  end: string;
  scope: BlackoutScope;
}

/** Creates a blackout window; an Idempotency-Key makes retries return the first one. */
export async function createBlackoutWindow(
  input: NewBlackoutInput,
  ctx: RequestContext,
  idempotencyKey?: string,
): Promise<{ blackout: StoredBlackout; replayed: boolean }> {
  assertCanMaintain(ctx.principal);
  const parsed = BlackoutWindowSchema.safeParse({ ...input, id: uuidv7() });
  if (!parsed.success) throw validationErrorFrom(parsed.error);
  const { value, replayed } = await createOnce(
    { kind: 'blackout-window', ctx, key: idempotencyKey, input },
    {
      findClaim: getIdempotencyClaim,
      replay: (id) => getBlackoutWindow(id, ctx.principal),
      create: async (claim) => {
        const { scope } = parsed.data;
        if (scope.kind === 'cis') await assertConfigurationItems('scope.cis', scope.cis);
        const blackout: StoredBlackout = {
          ...parsed.data,
          start: new Date(parsed.data.start).toISOString(),
          end: new Date(parsed.data.end).toISOString(),
          createdBy: ctx.principal.id,
          createdAt: ctx.now,
        };
        await createBlackout(blackout, claim?.(blackout.id));
        return blackout;
      },
    },
  );
  return { blackout: value, replayed };
}

export async function getBlackoutWindow(id: string, principal: Principal): Promise<StoredBlackout> {
  assertCanView(principal);
  const blackout = await getBlackout(id);
  if (!blackout) throw new NotFoundError(`Blackout window ${id} does not exist.`);
  return blackout;
}

/** The blackout windows overlapping [from, to), by end; from defaults to now. */
export function listBlackoutWindows(
  range: { from: string; to?: string },
  page: ListPage,
  principal: Principal,
): Promise<{ items: StoredBlackout[]; cursor: string | null }> {
  assertCanView(principal);
  return blackoutsPage({ start: range.from, ...(range.to ? { end: range.to } : {}) }, page);
}

/**
 * Deletes a blackout window. Overrides already recorded keep naming it; changes already refused
 * for it may be submitted again.
 */
export async function deleteBlackoutWindow(id: string, ctx: RequestContext): Promise<void> {
  await getBlackoutWindow(id, ctx.principal);
  assertCanMaintain(ctx.principal);
  await deleteBlackout(id);
}
