import { beforeAll, describe, expect, it } from 'vitest';
import { api, tokenFor } from './support/client';
import { aCi as aCiAs, aSaturdayNight, at } from './support/planning';

/**
 * Releases and the pipeline gate through the local runtime: gateway, authorizer, the change
 * API's function, DynamoDB Local.
 */
type Change = { id: string; number: string; state: string; version: number };
type Release = {
  id: string;
  number: string;
  name: string;
  version: number;
  changeIds: string[];
  status: { state: string; reasons: string[]; outsideTargetWindow: string[]; missing: string[] };
  changes: { id: string; number: string; state: string }[];
};
type GateDecision = {
  decision: 'allow' | 'deny';
  reasons: { code: string; message: string }[];
  warnings: string[];
  coveredBy: { ci: string; changeId: string; number: string }[];
  targets: { target: string; ci?: string }[];
};
type ProblemDetails = { status: number; errors?: { field: string; message: string }[] };
type Page<T> = { items: T[]; nextCursor: string | null };

let agent: string;
let admin: string;
let requester: string;
let reader: string;
let pipeline: string;

beforeAll(async () => {
  agent = await tokenFor('agent');
  admin = await tokenFor('admin');
  requester = await tokenFor('requester', `requester-${crypto.randomUUID()}`);
  reader = await tokenFor('client', 'deploy-gate', { scope: 'itsm/changes.read' });
  pipeline = await tokenFor('client', 'deploy-pipeline', { scope: 'itsm/changes.write' });
});

const etagOf = (resource: { id: string; version: number }) =>
  `"${resource.id}.${resource.version}"`;

const aCi = () => aCiAs(admin, 'checkout');

/** A standard change on `ci`, Scheduled for [base, base + 2 h). */
async function aScheduledChange(ci: string, base: number): Promise<Change> {
  const template = await api<{ id: string }>('POST', '/change-templates', {
    token: admin,
    body: {
      name: `deploy-${crypto.randomUUID().slice(0, 6)}`,
      shortDescription: 'Deploy the checkout service',
      implementationPlan: 'Blue/green deployment',
      backoutPlan: 'Switch back to blue',
      testPlan: 'Synthetic checkout',
      affectedCis: [ci],
    },
  });
  expect(template.status).toBe(201);
  const created = await api<Change>('POST', '/changes', {
    token: pipeline,
    body: {
      model: 'standard',
      templateId: template.body.id,
      plannedStart: at(base, 0),
      plannedEnd: at(base, 2),
      assignmentGroup: 'checkout-ops',
    },
  });
  expect(created.status).toBe(201);
  const scheduled = await api<Change>('POST', `/changes/${created.body.id}/transitions`, {
    token: pipeline,
    body: { action: 'schedule' },
  });
  expect(scheduled.status).toBe(200);
  return scheduled.body;
}

describe('/releases', () => {
  it('creates a release once per Idempotency-Key, finds it by number, and follows its changes', async () => {
    const base = aSaturdayNight();
    const change = await aScheduledChange(await aCi(), base);
    const body = {
      name: 'Checkout 2.0',
      targetStart: at(base, -1),
      targetEnd: at(base, 4),
      changes: [change.number],
    };
    const key = crypto.randomUUID();
    const created = await api<Release>('POST', '/releases', {
      token: agent,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(created.status).toBe(201);
    expect(created.body.number).toMatch(/^RLS\d{7}$/);
    expect(created.body).toMatchObject({ changeIds: [change.id], status: { state: 'planned' } });
    expect(created.headers.location).toBe(`/releases/${created.body.id}`);
    expect(created.headers.etag).toBe(etagOf(created.body));
    const retry = await api<Release>('POST', '/releases', {
      token: agent,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(retry.body.id).toBe(created.body.id);
    expect(retry.headers['idempotent-replayed']).toBe('true');

    await api('POST', `/changes/${change.id}/transitions`, {
      token: pipeline,
      body: { action: 'implement' },
    });
    const byNumber = await api<Release>('GET', `/releases/${created.body.number}`, {
      token: reader,
    });
    expect(byNumber.status).toBe(200);
    expect(byNumber.body.status.state).toBe('in-progress');
    expect(byNumber.body.changes).toEqual([
      expect.objectContaining({ number: change.number, state: 'Implement' }),
    ]);
  });

  it('needs If-Match to patch, adds and removes changes, keeps the history and lists releases', async () => {
    const base = aSaturdayNight();
    const change = await aScheduledChange(await aCi(), base);
    const created = await api<Release>('POST', '/releases', {
      token: agent,
      body: { name: 'Weekend', targetStart: at(base, 0), targetEnd: at(base, 2) },
    });
    const path = `/releases/${created.body.id}`;

    const missing = await api('PATCH', path, { token: agent, body: { name: 'Renamed' } });
    expect(missing.status).toBe(428);
    const renamed = await api<Release>('PATCH', path, {
      token: agent,
      body: { name: 'Renamed' },
      headers: { 'if-match': etagOf(created.body) },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed', version: 2 });
    const stale = await api('PATCH', path, {
      token: agent,
      body: { name: 'Again' },
      headers: { 'if-match': etagOf(created.body) },
    });
    expect(stale.status).toBe(412);

    const added = await api<Release>('POST', `${path}/changes`, {
      token: pipeline,
      body: { changes: [change.id] },
    });
    expect(added.status).toBe(200);
    expect(added.body.changeIds).toEqual([change.id]);
    const unknown = await api<ProblemDetails>('POST', `${path}/changes`, {
      token: pipeline,
      body: { changes: ['CHG9999999'] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'changes', message: 'change CHG9999999 does not exist' },
    ]);
    const removed = await api<Release>('DELETE', `${path}/changes/${change.number}`, {
      token: pipeline,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.changeIds).toEqual([]);

    const history = await api<Page<{ action: string }>>('GET', `${path}/history`, {
      token: reader,
    });
    expect(history.body.items.map((entry) => entry.action)).toEqual([
      'create',
      'update',
      'add-changes',
      'remove-change',
    ]);
    const list = await api<Page<Release>>('GET', '/releases?limit=100', { token: reader });
    expect(list.status).toBe(200);
    expect(list.body.items.map((release) => release.id)).toContain(created.body.id);
  });

  it('hides releases from requesters and keeps readers from writing', async () => {
    const base = aSaturdayNight();
    const body = { name: 'Hidden', targetStart: at(base, 0), targetEnd: at(base, 1) };
    const created = await api<Release>('POST', '/releases', { token: agent, body });
    expect((await api('GET', `/releases/${created.body.id}`, { token: requester })).status).toBe(
      404,
    );
    expect((await api('POST', '/releases', { token: reader, body })).status).toBe(403);
    const backwards = await api<ProblemDetails>('POST', '/releases', {
      token: agent,
      body: { ...body, targetEnd: at(base, -1) },
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors?.map((error) => error.field)).toEqual(['targetEnd']);
  });
});

describe('POST /changes/gate', () => {
  it('allows a covered deployment and denies an uncovered one, with reasons', async () => {
    const base = aSaturdayNight();
    const ci = await aCi();
    const change = await aScheduledChange(ci, base);

    const allowed = await api<GateDecision>('POST', '/changes/gate', {
      token: reader,
      body: { targets: [ci], window: { start: at(base, 0.5), end: at(base, 1) } },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({
      decision: 'allow',
      coveredBy: [{ ci, changeId: change.id, number: change.number }],
    });

    const denied = await api<GateDecision>('POST', '/changes/gate', {
      token: agent,
      body: {
        targets: [ci, 'arn:aws:lambda:eu-west-1:111122223333:function:unknown'],
        window: { start: at(base, 1), end: at(base, 3) },
        change: change.number,
      },
    });
    expect(denied.status).toBe(200);
    expect(denied.body.decision).toBe('deny');
    expect(denied.body.reasons.map((reason) => reason.code)).toEqual([
      'unknown-resource',
      'no-approved-change',
    ]);
  });

  it('refuses requesters (403) and invalid requests (400)', async () => {
    const base = aSaturdayNight();
    const window = { start: at(base, 0), end: at(base, 1) };
    const asRequester = await api('POST', '/changes/gate', {
      token: requester,
      body: { targets: ['any'], window },
    });
    expect(asRequester.status).toBe(403);
    const invalid = await api<ProblemDetails>('POST', '/changes/gate', {
      token: reader,
      body: { targets: [], window: { start: window.end, end: window.start } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors?.map((error) => error.field).sort()).toEqual([
      'targets',
      'window.end',
    ]);
  });
});
