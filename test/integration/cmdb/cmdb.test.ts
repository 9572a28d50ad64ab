import { describe, expect, it } from 'vitest';
import { listCis } from '../../../functions/cmdb/repository';
import {
  addRelationship,
  createCi as createCiWithKey,
  getCiForPrincipal,
  impactOf,
  importAwsConfigItems,
  listRelationships,
  type NewCiInput,
  removeRelationship,
  updateCi,
} from '../../../functions/cmdb/use-cases';
import {
  ConflictError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  NotFoundError,
  PreconditionFailedError,
} from '../../../shared/errors';
import { ebsVolumeItem, ec2InstanceItem } from '../../unit/cmdb/aws-config-items';
import { agent, ctx, outboxEventsOf, requesterPrincipal } from '../incident/support';

const newCi = (overrides: Partial<NewCiInput> = {}): NewCiInput => ({
  ciClass: 'application',
  name: `app-${crypto.randomUUID().slice(0, 8)}`,
  criticality: 2,
  environment: 'production',
  lifecycleState: 'operational',
  ...overrides,
});
const anyVersion = () => {};
const createCi = async (input: NewCiInput, context: ReturnType<typeof ctx>) =>
  (await createCiWithKey(input, context)).ci;

describe('CIs', () => {
  it('creates a CI with its CiCreated event and lists it by owner group and state', async () => {
    const ownerGroup = `team-${crypto.randomUUID()}`;
    const ci = await createCi(newCi({ ownerGroup, ciClass: 'database' }), ctx());
    expect(ci).toMatchObject({ version: 1, source: 'manual', ownerGroup });
    expect((await outboxEventsOf(ci.id)).map((event) => event.detailType)).toEqual(['CiCreated']);

    const byGroup = await listCis({ ownerGroup, limit: 10 });
    expect(byGroup.index).toBe('byGroup');
    expect(byGroup.items.map((item) => item.id)).toEqual([ci.id]);
    const otherClass = await listCis({ ownerGroup, ciClass: 'server', limit: 10 });
    expect(otherClass.items).toEqual([]);
    const byState = await listCis({
      lifecycleState: 'operational',
      ciClass: 'database',
      limit: 50,
    });
    expect(byState.index).toBe('byState');
    expect(byState.items.map((item) => item.id)).toContain(ci.id);
    const all = await listCis({ limit: 100 });
    expect(all.index).toBe('byCreated');
    expect(all.items.map((item) => item.id)).toContain(ci.id);
    for (const item of all.items) expect(item.ciClass).toBeDefined();
  });

  it('creates one CI for parallel requests with one Idempotency-Key, refuses another body', async () => {
    const key = crypto.randomUUID();
    const input = newCi();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => createCiWithKey(input, ctx(), key)),
    );
    expect(new Set(results.map((result) => result.ci.id)).size).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    await expect(createCiWithKey({ ...input, name: 'other' }, ctx(), key)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it('refuses writes by requesters but lets them read', async () => {
    const requester = requesterPrincipal();
    await expect(createCi(newCi(), ctx(requester))).rejects.toBeInstanceOf(ForbiddenError);
    const ci = await createCi(newCi(), ctx());
    await expect(getCiForPrincipal(ci.id, requester)).resolves.toMatchObject({ id: ci.id });
  });

  it('follows the lifecycle rules and lets exactly one of two concurrent edits win', async () => {
    const ci = await createCi(newCi({ lifecycleState: 'planned' }), ctx());
    await expect(
      updateCi(ci.id, { lifecycleState: 'in_maintenance' }, ctx(), anyVersion),
    ).rejects.toBeInstanceOf(InvalidTransitionError);

    const results = await Promise.allSettled(
      ['first', 'second'].map((name) => updateCi(ci.id, { name }, ctx(), anyVersion)),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((result) => result.status === 'rejected');
    expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(PreconditionFailedError);
    expect((await getCiForPrincipal(ci.id, agent)).version).toBe(2);
  });

  it('does not write a PATCH that changes nothing', async () => {
    const ci = await createCi(newCi(), ctx());
    const same = await updateCi(ci.id, { name: ci.name }, ctx(), anyVersion);
    expect(same.version).toBe(1);
  });
});

describe('relationships', () => {
  it('stores a relationship on both ends, accepts either form, refuses duplicates', async () => {
    const app = await createCi(newCi(), ctx());
    const server = await createCi(newCi({ ciClass: 'server' }), ctx());
    const added = await addRelationship(server.id, { type: 'runs', target: app.id }, ctx());
    expect(added.canonical).toEqual({ source: app.id, type: 'runs_on', target: server.id });

    expect(await listRelationships(app.id, agent)).toMatchObject([
      { type: 'runs_on', target: server.id },
    ]);
    expect(await listRelationships(server.id, agent)).toMatchObject([
      { type: 'runs', target: app.id },
    ]);
    await expect(
      addRelationship(app.id, { type: 'runs_on', target: server.id }, ctx()),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await outboxEventsOf(server.id)).map((event) => event.detailType)).toEqual([
      'CiCreated',
      'CiRelationshipAdded',
    ]);

    await removeRelationship(app.id, { type: 'runs_on', target: server.id }, ctx());
    expect(await listRelationships(app.id, agent)).toEqual([]);
    expect(await listRelationships(server.id, agent)).toEqual([]);
    await expect(
      removeRelationship(app.id, { type: 'runs_on', target: server.id }, ctx()),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps both ends consistent when relationships to one CI are added concurrently', async () => {
    const server = await createCi(newCi({ ciClass: 'server' }), ctx());
    const apps = await Promise.all(Array.from({ length: 4 }, () => createCi(newCi(), ctx())));
    await Promise.all(
      apps.map((app) => addRelationship(app.id, { type: 'runs_on', target: server.id }, ctx())),
    );
    const edges = await listRelationships(server.id, agent);
    expect(edges.map((edge) => edge.target).sort()).toEqual(apps.map((app) => app.id).sort());
  });
});

describe('impact', () => {
  it('walks failure edges across a redundancy group', async () => {
    const create = (name: string, overrides: Partial<NewCiInput> = {}) =>
      createCi(newCi({ name, ...overrides }), ctx());
    const [nodeA, nodeB, cluster, app, service, monitor] = await Promise.all([
      create('node-a', { ciClass: 'server' }),
      create('node-b', { ciClass: 'server' }),
      create('cluster', { ciClass: 'cluster', attributes: { minimumUp: 1 } }),
      create('app'),
      create('shop', { ciClass: 'service' }),
      create('monitor'),
    ]);
    const relate = async (
      source: string,
      type: 'member_of' | 'runs_on' | 'provides' | 'managed_by',
      target: string,
    ) => addRelationship(source, { type, target }, ctx());
    await relate(nodeA.id, 'member_of', cluster.id);
    await relate(nodeB.id, 'member_of', cluster.id);
    await relate(app.id, 'runs_on', cluster.id);
    await relate(app.id, 'provides', service.id);
    await relate(app.id, 'managed_by', monitor.id);

    // One node down: the cluster still has its minimum of one.
    expect((await impactOf(nodeA.id, 8, agent)).impacted).toEqual([]);

    const appDown = await impactOf(app.id, 8, agent);
    expect(appDown.impacted.map((ci) => ci.ciId)).toEqual([service.id]);

    const clusterDown = await impactOf(cluster.id, 8, agent);
    expect(clusterDown.impacted.map((ci) => [ci.ciId, ci.depth])).toEqual([
      [app.id, 1],
      [service.id, 2],
    ]);
    const shallow = await impactOf(cluster.id, 1, agent);
    expect(shallow).toMatchObject({ truncated: true, impacted: [{ ciId: app.id }] });
  });
});

describe('AWS Config import', () => {
  it('upserts by deterministic id, links both ends, and changes nothing on re-import', async () => {
    const [instance] = await importAwsConfigItems([ec2InstanceItem()], ctx());
    expect(instance).toMatchObject({ outcome: 'created', relationshipsAdded: 0 });
    const [volume] = await importAwsConfigItems([ebsVolumeItem()], ctx());
    expect(volume).toMatchObject({ outcome: 'created', relationshipsAdded: 1 });

    const instanceId = instance?.ciId as string;
    const volumeId = volume?.ciId as string;
    expect((await listRelationships(instanceId, agent)).map((edge) => edge.target)).toEqual([
      volumeId,
    ]);
    const before = await getCiForPrincipal(instanceId, agent);
    const eventsBefore = await outboxEventsOf(instanceId);

    const again = await importAwsConfigItems([ec2InstanceItem(), ebsVolumeItem()], ctx());
    expect(again.map((result) => [result.outcome, result.relationshipsAdded])).toEqual([
      ['unchanged', 0],
      ['unchanged', 0],
    ]);
    expect((await getCiForPrincipal(instanceId, agent)).version).toBe(before.version);
    expect(await outboxEventsOf(instanceId)).toHaveLength(eventsBefore.length);

    const older = {
      ...ec2InstanceItem(),
      configurationItemCaptureTime: '2025-01-01T00:00:00.000Z',
    };
    older.tags = { ...older.tags, Name: 'renamed' };
    const [stale] = await importAwsConfigItems([older], ctx());
    expect(stale?.outcome).toBe('stale');

    const newer = {
      ...ec2InstanceItem(),
      configurationItemCaptureTime: '2025-06-01T00:00:00.000Z',
    };
    newer.tags = { ...newer.tags, Name: 'renamed' };
    const [updated] = await importAwsConfigItems([newer], ctx());
    expect(updated?.outcome).toBe('updated');
    expect(await getCiForPrincipal(instanceId, agent)).toMatchObject({
      name: 'renamed',
      version: before.version + 1,
    });
  });
});
