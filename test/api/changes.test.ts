import { beforeAll, describe, expect, it } from 'vitest';
import { api, tokenFor } from './support/client';
import { aCi as aCiAs, aSaturdayNight, at } from './support/planning';

/**
 * The change API through the local runtime: gateway, authorizer, function, DynamoDB Local.
 * Submitting an emergency change needs the emergency CAB to have members (the
 * `changeManagement.approverGroups` deploy setting of the local app).
 */
type Conflict = { kind: string; blackout?: { id: string } };
type Change = {
  id: string;
  number: string;
  model: string;
  state: string;
  version: number;
  affectedCis: string[];
  plannedStart?: string;
  plannedEnd?: string;
  approvalPlanId?: string;
  risk?: { level: string; approvalPath: string };
  conflictOverride?: { reason: string; conflicts: Conflict[] };
  outcome?: string;
};
type ProblemDetails = {
  type: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
  allowedActions?: string[];
  conflicts?: Conflict[];
  currentVersion?: number;
};
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
  reader = await tokenFor('client', 'change-reporting', { scope: 'itsm/changes.read' });
  pipeline = await tokenFor('client', 'deploy-pipeline', { scope: 'itsm/changes.write' });
});

const etagOf = (resource: { id: string; version: number }) =>
  `"${resource.id}.${resource.version}"`;

function expectProblemDetails(
  response: { status: number; headers: Record<string, string>; body: unknown },
  status: number,
) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  return response.body as ProblemDetails;
}

const fieldsOf = (details: ProblemDetails) =>
  (details.errors ?? []).map((error) => error.field).sort();

const aCi = () => aCiAs(admin, 'billing');

function changeBody(ci: string, night = aSaturdayNight(), overrides: Record<string, unknown> = {}) {
  return {
    model: 'normal',
    shortDescription: 'Upgrade the billing service',
    plannedStart: at(night, 0),
    plannedEnd: at(night, 3),
    implementationPlan: 'Roll out node by node',
    backoutPlan: 'Roll back to the previous release',
    testPlan: 'Run the billing smoke tests',
    affectedCis: [ci],
    assignmentGroup: 'billing-ops',
    ...overrides,
  };
}

async function createChange(body: Record<string, unknown>, token = agent): Promise<Change> {
  const response = await api<Change>('POST', '/changes', { token, body });
  expect(response.status).toBe(201);
  return response.body;
}

function transition(change: { id: string }, body: Record<string, unknown>, token = agent) {
  return api<Change>('POST', `/changes/${change.id}/transitions`, { token, body });
}

async function aTemplate(ci: string): Promise<{ id: string; version: number }> {
  const response = await api<{ id: string; version: number }>('POST', '/change-templates', {
    token: admin,
    body: {
      name: `rotate-${crypto.randomUUID().slice(0, 6)}`,
      shortDescription: 'Rotate the TLS certificate',
      implementationPlan: 'Upload the certificate and switch the listener',
      backoutPlan: 'Switch the listener back',
      testPlan: 'Check the handshake',
      affectedCis: [ci],
    },
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function aBlackout(ci: string, start: string, end: string): Promise<{ id: string }> {
  const response = await api<{ id: string }>('POST', '/blackout-windows', {
    token: admin,
    body: { name: 'Month-end close', start, end, scope: { kind: 'cis', cis: [ci] } },
  });
  expect(response.status).toBe(201);
  return response.body;
}

describe('POST /changes', () => {
  it('creates a change with a CHG number, a Location and an ETag, once per Idempotency-Key', async () => {
    const body = changeBody(await aCi());
    const key = crypto.randomUUID();
    const first = await api<Change>('POST', '/changes', {
      token: pipeline,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ model: 'normal', state: 'New', version: 1 });
    expect(first.body.number).toMatch(/^CHG\d{7}$/);
    expect(first.headers.location).toBe(`/changes/${first.body.id}`);
    expect(first.headers.etag).toBe(etagOf(first.body));
    const retry = await api<Change>('POST', '/changes', {
      token: pipeline,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expectProblemDetails(
      await api('POST', '/changes', {
        token: pipeline,
        body: { ...body, shortDescription: 'Something else' },
        headers: { 'idempotency-key': key },
      }),
      422,
    );
  });

  it('refuses read-only, unknown and invalid fields and unknown CIs, naming each', async () => {
    const readOnly = expectProblemDetails(
      await api('POST', '/changes', {
        token: agent,
        body: { ...changeBody(await aCi()), state: 'Scheduled', number: 'CHG1', risk: {} },
      }),
      400,
    );
    expect(fieldsOf(readOnly)).toEqual(['number', 'risk', 'state']);
    const invalid = expectProblemDetails(
      await api('POST', '/changes', {
        token: agent,
        body: changeBody('no-such-ci', aSaturdayNight(), { plannedEnd: 'tomorrow' }),
      }),
      400,
    );
    expect(fieldsOf(invalid)).toEqual(['plannedEnd']);
    const unknownCi = expectProblemDetails(
      await api('POST', '/changes', { token: agent, body: changeBody('no-such-ci') }),
      400,
    );
    expect(fieldsOf(unknownCi)).toEqual(['affectedCis']);
  });

  it('is refused to readers (403)', async () => {
    expectProblemDetails(
      await api('POST', '/changes', { token: reader, body: changeBody(await aCi()) }),
      403,
    );
  });
});

describe('GET and PATCH /changes/{id}', () => {
  it('reads by id and number with an ETag; to requesters changes do not exist', async () => {
    const change = await createChange(changeBody(await aCi()));
    for (const key of [change.id, change.number]) {
      const response = await api<Change>('GET', `/changes/${key}`, { token: reader });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(change);
      expect(response.headers.etag).toBe(etagOf(change));
    }
    expectProblemDetails(await api('GET', `/changes/${change.id}`, { token: requester }), 404);
    expectProblemDetails(await api('GET', '/changes/CHG9999999', { token: agent }), 404);
  });

  it('needs If-Match (428), refuses a stale one (412) and lets one of several writers win', async () => {
    const change = await createChange(changeBody(await aCi()));
    const path = `/changes/${change.id}`;
    expectProblemDetails(await api('PATCH', path, { token: agent, body: { category: 'x' } }), 428);
    const responses = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        api<Change>('PATCH', path, {
          token: agent,
          body: { description: `by ${name}` },
          headers: { 'if-match': etagOf(change) },
        }),
      ),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([200, 412, 412]);
    const stale = await api('PATCH', path, {
      token: agent,
      body: { category: 'billing' },
      headers: { 'if-match': etagOf(change) },
    });
    expect(expectProblemDetails(stale, 412)).toMatchObject({ currentVersion: 2 });
  });
});

describe('transitions', () => {
  it('takes a standard change from its template to Closed, and shows it on the calendar while scheduled', async () => {
    const ci = await aCi();
    const template = await aTemplate(ci);
    const night = aSaturdayNight();
    const change = await createChange(
      {
        model: 'standard',
        templateId: template.id,
        plannedStart: at(night, 0),
        plannedEnd: at(night, 1),
        assignmentGroup: 'billing-ops',
      },
      pipeline,
    );
    expect(change.affectedCis).toEqual([ci]);
    const scheduled = await transition(change, { action: 'schedule' });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body.state).toBe('Scheduled');

    const calendar = await api<Page<{ change: Change; conflicts: Conflict[] }>>(
      'GET',
      `/changes/calendar?from=${at(night, -1)}&to=${at(night, 2)}&limit=100`,
      { token: reader },
    );
    expect(calendar.status).toBe(200);
    const entries: { change: Change }[] = [...calendar.body.items];
    let cursor = calendar.body.nextCursor;
    while (cursor) {
      const next = await api<Page<{ change: Change }>>(
        'GET',
        `/changes/calendar?from=${at(night, -1)}&to=${at(night, 2)}&limit=100&cursor=${encodeURIComponent(cursor)}`,
        { token: reader },
      );
      entries.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    expect(entries.map((entry) => entry.change.id)).toContain(change.id);

    for (const body of [
      { action: 'implement' },
      { action: 'review', outcome: 'successful' },
      { action: 'close', closeNotes: 'Certificate valid until next year' },
    ]) {
      const response = await transition(change, body);
      expect(response.status).toBe(200);
    }
    const closed = await api<Change>('GET', `/changes/${change.id}`, { token: agent });
    expect(closed.body).toMatchObject({ state: 'Closed', outcome: 'successful' });
  });

  it('answers 409 with the allowed actions, 403 to readers, and leaves approval to the workflow', async () => {
    const change = await createChange(changeBody(await aCi()));
    const refused = expectProblemDetails(await transition(change, { action: 'close' }), 409);
    expect(refused).toMatchObject({ type: expect.stringContaining('invalid-transition') });
    expect(refused.allowedActions).toEqual(['assess', 'cancel']);
    expectProblemDetails(await transition(change, { action: 'assess' }, reader), 403);
    const approve = expectProblemDetails(
      await transition(change, { action: 'approve' }, admin),
      403,
    );
    expect(approve.detail).toMatch(/approval workflow/);
  });

  it('refuses a blackout window (409 with the conflicts) unless an emergency change says why', async () => {
    const ci = await aCi();
    const night = aSaturdayNight();
    const emergency = await createChange(changeBody(ci, night, { model: 'emergency' }));
    const blackout = await aBlackout(ci, at(night, -2), at(night, 2));

    const conflicts = await api<{ conflicts: Conflict[]; blocked: boolean }>(
      'GET',
      `/changes/${emergency.id}/conflicts`,
      { token: reader },
    );
    expect(conflicts.status).toBe(200);
    expect(conflicts.body).toMatchObject({
      blocked: true,
      conflicts: [{ kind: 'blackout', blackout: { id: blackout.id } }],
    });

    const refused = expectProblemDetails(
      await transition(emergency, { action: 'requestAuthorization' }),
      409,
    );
    expect(refused.conflicts).toEqual([
      expect.objectContaining({
        kind: 'blackout',
        blackout: { id: blackout.id, name: 'Month-end close' },
      }),
    ]);
    const overridden = await transition(emergency, {
      action: 'requestAuthorization',
      overrideReason: 'Billing is down for every customer',
    });
    expect(overridden.status).toBe(200);
    expect(overridden.body).toMatchObject({
      state: 'Authorize',
      approvalPlanId: expect.any(String),
      risk: { approvalPath: 'emergency-cab' },
      conflictOverride: { reason: 'Billing is down for every customer' },
    });

    const standard = await createChange(
      {
        model: 'standard',
        templateId: (await aTemplate(ci)).id,
        plannedStart: at(night, 0),
        plannedEnd: at(night, 1),
        assignmentGroup: 'billing-ops',
      },
      pipeline,
    );
    const blocked = expectProblemDetails(await transition(standard, { action: 'schedule' }), 409);
    expect(blocked.conflicts?.map((conflict) => conflict.kind)).toContain('blackout');
  });
});

describe('lists, work notes and history', () => {
  it('filters, pages with an opaque cursor bound to its filters', async () => {
    const group = `ops-${crypto.randomUUID().slice(0, 8)}`;
    const ci = await aCi();
    const created: Change[] = [];
    for (const model of ['normal', 'emergency', 'normal']) {
      created.push(
        await createChange(changeBody(ci, aSaturdayNight(), { model, assignmentGroup: group })),
      );
    }
    const first = await api<Page<Change>>('GET', `/changes?assignmentGroup=${group}&limit=2`, {
      token: reader,
    });
    expect(first.body.items.map((change) => change.id)).toEqual([created[2]?.id, created[1]?.id]);
    const cursor = encodeURIComponent(first.body.nextCursor ?? '');
    const second = await api<Page<Change>>(
      'GET',
      `/changes?assignmentGroup=${group}&limit=2&cursor=${cursor}`,
      { token: reader },
    );
    expect(second.body).toEqual({ items: [created[0]], nextCursor: null });
    expectProblemDetails(
      await api('GET', `/changes?state=New&limit=2&cursor=${cursor}`, { token: reader }),
      400,
    );
    const emergencies = await api<Page<Change>>(
      'GET',
      `/changes?configurationItem=${ci}&model=emergency`,
      { token: reader },
    );
    expect(emergencies.body.items.map((change) => change.id)).toEqual([created[1]?.id]);
    expectProblemDetails(await api('GET', '/changes?colour=red', { token: reader }), 400);
  });

  it('keeps work notes and the history of who changed what', async () => {
    const change = await createChange(changeBody(await aCi()));
    const note = await api('POST', `/changes/${change.id}/comments`, {
      token: agent,
      body: { body: 'Vendor confirmed the patch' },
    });
    expect(note.status).toBe(201);
    const notes = await api<Page<{ body: string; visibility: string }>>(
      'GET',
      `/changes/${change.id}/comments`,
      { token: reader },
    );
    expect(notes.body.items).toEqual([
      expect.objectContaining({ body: 'Vendor confirmed the patch', visibility: 'internal' }),
    ]);
    const history = await api<Page<{ version: number; action: string }>>(
      'GET',
      `/changes/${change.id}/history`,
      { token: reader },
    );
    expect(history.body.items.map((entry) => [entry.version, entry.action])).toEqual([
      [1, 'create'],
      [2, 'work-note'],
    ]);
  });
});

describe('templates and blackout windows', () => {
  it('lets admins maintain templates (agents 403), with If-Match on PATCH', async () => {
    const ci = await aCi();
    const template = await aTemplate(ci);
    const refused = await api('POST', '/change-templates', {
      token: agent,
      body: {
        name: 'x',
        shortDescription: 'x',
        implementationPlan: 'x',
        backoutPlan: 'x',
        testPlan: 'x',
        affectedCis: [],
      },
    });
    expectProblemDetails(refused, 403);
    const path = `/change-templates/${template.id}`;
    expectProblemDetails(await api('PATCH', path, { token: admin, body: { active: false } }), 428);
    const retired = await api<{ active: boolean; version: number }>('PATCH', path, {
      token: admin,
      body: { active: false },
      headers: { 'if-match': etagOf(template) },
    });
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ active: false, version: 2 });
    const read = await api('GET', path, { token: reader });
    expect(read.headers.etag).toBe(`"${template.id}.2"`);
    expectProblemDetails(
      await api('POST', '/changes', {
        token: agent,
        body: { model: 'standard', templateId: template.id },
      }),
      409,
    );
  });

  it('declares, lists by time range and deletes blackout windows', async () => {
    const ci = await aCi();
    const night = aSaturdayNight();
    const blackout = await aBlackout(ci, at(night, 0), at(night, 4));
    const read = await api<{ id: string; scope: unknown }>(
      'GET',
      `/blackout-windows/${blackout.id}`,
      {
        token: reader,
      },
    );
    expect(read.body).toMatchObject({ id: blackout.id, scope: { kind: 'cis', cis: [ci] } });
    const listed = await api<Page<{ id: string }>>(
      'GET',
      `/blackout-windows?from=${at(night, 3)}&to=${at(night, 5)}&limit=100`,
      { token: reader },
    );
    expect(listed.status).toBe(200);
    const later = await api<Page<{ id: string }>>(
      'GET',
      `/blackout-windows?from=${at(night, 4)}&to=${at(night, 5)}&limit=100`,
      { token: reader },
    );
    expect(listed.body.items.map((item) => item.id)).toContain(blackout.id);
    expect(later.body.items.map((item) => item.id)).not.toContain(blackout.id);
    expectProblemDetails(
      await api('DELETE', `/blackout-windows/${blackout.id}`, { token: agent }),
      403,
    );
    const deleted = await api('DELETE', `/blackout-windows/${blackout.id}`, { token: admin });
    expect(deleted.status).toBe(204);
    expectProblemDetails(
      await api('GET', `/blackout-windows/${blackout.id}`, { token: reader }),
      404,
    );
  });
});
