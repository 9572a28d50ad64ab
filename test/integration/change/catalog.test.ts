import { describe, expect, it, vi } from 'vitest';

await vi.hoisted(() => import('./environment'));

import {
  createBlackoutWindow,
  createTemplate,
  deleteBlackoutWindow,
  getBlackoutWindow,
  getTemplateForPrincipal,
  listBlackoutWindows,
  listTemplates,
  updateTemplate,
} from '../../../functions/change/catalog';
import type { ChangeTemplate } from '../../../functions/change/domain';
import type { Principal } from '../../../shared/auth';
import {
  ForbiddenError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../../shared/errors';
import {
  aCi,
  admin,
  agent,
  aSaturdayNight,
  aTemplate,
  ctx,
  readingClient,
  windowAt,
  writingClient,
} from './support';

async function aTemplateAs(principal: Principal, ci: string) {
  const { template } = await createTemplate(
    {
      name: 'Restart the cache',
      shortDescription: 'Restart the cache nodes one by one',
      implementationPlan: 'Restart each node',
      backoutPlan: 'None needed',
      testPlan: 'Check the hit rate',
      affectedCis: [ci],
    },
    ctx(principal),
  );
  return template;
}

const ifMatch = (version: number) => (current: ChangeTemplate) => {
  if (current.version !== version) throw new PreconditionFailedError('stale');
};

async function allTemplates(active?: boolean): Promise<ChangeTemplate[]> {
  const found: ChangeTemplate[] = [];
  let cursor: string | null = null;
  do {
    const page = await listTemplates({ active, limit: 100, cursor }, readingClient);
    found.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return found;
}

describe('standard change templates', () => {
  it('are created by admins and writing clients, active, and read by everyone who sees changes', async () => {
    const ci = await aCi();
    const template = await aTemplate([ci, ci]);
    expect(template).toMatchObject({ active: true, version: 1, affectedCis: [ci] });
    expect(await getTemplateForPrincipal(template.id, readingClient)).toEqual(template);
    await expect(aTemplateAs(agent, ci)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(aTemplateAs(writingClient, ci)).resolves.toMatchObject({ active: true });
    await expect(getTemplateForPrincipal(crypto.randomUUID(), agent)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('refuses a template on a CI that does not exist', async () => {
    await expect(aTemplate([crypto.randomUUID()])).rejects.toBeInstanceOf(ValidationError);
  });

  it('are patched with If-Match and retired; lists filter on active', async () => {
    const template = await aTemplate([await aCi()]);
    const retired = await updateTemplate(
      template.id,
      { active: false, description: 'Replaced by the ACME rotation' },
      ctx(admin),
      ifMatch(1),
    );
    expect(retired).toMatchObject({ active: false, version: 2 });
    await expect(
      updateTemplate(template.id, { name: 'Another' }, ctx(admin), ifMatch(1)),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    const cleared = await updateTemplate(
      template.id,
      { description: null },
      ctx(admin),
      ifMatch(2),
    );
    expect(cleared).not.toHaveProperty('description');
    expect((await allTemplates(false)).map((item) => item.id)).toContain(template.id);
    expect((await allTemplates(true)).map((item) => item.id)).not.toContain(template.id);
  });
});

describe('blackout windows', () => {
  it('are declared by admins, read by everyone who sees changes, and deleted', async () => {
    const window = windowAt(aSaturdayNight(), 0, 48);
    const { blackout } = await createBlackoutWindow(
      { name: 'Year-end freeze', ...window, scope: { kind: 'all' } },
      ctx(admin),
    );
    expect(blackout).toMatchObject({ ...window, createdBy: admin.id, scope: { kind: 'all' } });
    expect(await getBlackoutWindow(blackout.id, readingClient)).toEqual(blackout);
    await expect(
      createBlackoutWindow({ name: 'Mine', ...window, scope: { kind: 'all' } }, ctx(agent)),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteBlackoutWindow(blackout.id, ctx(agent))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await deleteBlackoutWindow(blackout.id, ctx(admin));
    await expect(getBlackoutWindow(blackout.id, agent)).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteBlackoutWindow(blackout.id, ctx(admin))).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('refuses a window that ends before it starts, and unknown CIs', async () => {
    const window = windowAt(aSaturdayNight(), 0, 2);
    await expect(
      createBlackoutWindow(
        { name: 'Backwards', start: window.end, end: window.start, scope: { kind: 'all' } },
        ctx(admin),
      ),
    ).rejects.toMatchObject({ issues: [{ field: 'end' }] });
    await expect(
      createBlackoutWindow(
        { name: 'Ghost', ...window, scope: { kind: 'cis', cis: [crypto.randomUUID()] } },
        ctx(admin),
      ),
    ).rejects.toMatchObject({ issues: [{ field: 'scope.cis' }] });
  });

  it('are listed by time range: those overlapping it, by end', async () => {
    const night = aSaturdayNight();
    const ci = await aCi();
    const declare = async (name: string, from: number, to: number) =>
      (
        await createBlackoutWindow(
          { name, ...windowAt(night, from, to), scope: { kind: 'cis', cis: [ci] } },
          ctx(writingClient),
        )
      ).blackout;
    const before = await declare('before', -10, -2);
    const overlapping = await declare('overlapping', -4, 2);
    const inside = await declare('inside', 1, 3);
    const endsLater = await declare('ends later', 3, 20);
    const after = await declare('after', 10, 12);
    const range = windowAt(night, 0, 4);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listBlackoutWindows(
        { from: range.start, to: range.end },
        { limit: 2, cursor },
        readingClient,
      );
      listed.push(...page.items.map((item) => item.id));
      cursor = page.cursor;
    } while (cursor);
    const ours = new Set([before.id, overlapping.id, inside.id, endsLater.id, after.id]);
    expect(listed.filter((id) => ours.has(id))).toEqual([overlapping.id, inside.id, endsLater.id]);
  });
});

describe('creating templates and blackout windows with an Idempotency-Key', () => {
  it('creates each once, however often and concurrently the request is retried', async () => {
    const ci = await aCi();
    const key = crypto.randomUUID();
    const template = {
      name: 'Rotate the keys',
      shortDescription: 'Rotate the signing keys',
      implementationPlan: 'Rotate',
      backoutPlan: 'Restore the old keys',
      testPlan: 'Sign and verify',
      affectedCis: [ci],
    };
    const templates = await Promise.all(
      [1, 2, 3].map(() => createTemplate(template, ctx(admin), key)),
    );
    expect(new Set(templates.map((created) => created.template.id)).size).toBe(1);
    expect(templates.filter((created) => !created.replayed)).toHaveLength(1);
    await expect(
      createTemplate({ ...template, name: 'Another' }, ctx(admin), key),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);

    const window = {
      name: 'Freeze',
      ...windowAt(aSaturdayNight(), 0, 4),
      scope: { kind: 'all' } as const,
    };
    const blackouts = await Promise.all(
      [1, 2, 3].map(() => createBlackoutWindow(window, ctx(admin), key)),
    );
    expect(new Set(blackouts.map((created) => created.blackout.id)).size).toBe(1);
    expect(blackouts.filter((created) => !created.replayed)).toHaveLength(1);
  });
});
