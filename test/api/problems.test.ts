import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_ROUTES } from '../../functions/problem/routes';
import { api, tokenFor } from './support/client';

/** The problem API through the local runtime: gateway, authorizer, function, DynamoDB Local. */
type Problem = {
  id: string;
  number: string;
  state: string;
  priority: number;
  version: number;
  linkedIncidentCount: number;
  duplicateOf?: string;
  resolutionCode?: string;
};
type ProblemDetails = {
  type: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
  allowedActions?: string[];
};
type Page<T> = { items: T[]; nextCursor: string | null };

let agent: string;
let requester: string;
let writer: string;
let reader: string;

beforeAll(async () => {
  agent = await tokenFor('agent');
  requester = await tokenFor('requester', `requester-${crypto.randomUUID()}`);
  writer = await tokenFor('client', 'problem-integration', { scope: 'itsm/problems.write' });
  reader = await tokenFor('client', 'problem-reporting', { scope: 'itsm/problems.read' });
});

const etagOf = (problem: { id: string; version: number }) => `"${problem.id}.${problem.version}"`;

function create(
  body: Record<string, unknown>,
  token = agent,
  headers: Record<string, string> = {},
) {
  return api<Problem>('POST', '/problems', { token, body, headers });
}

async function createOk(body: Record<string, unknown> = {}, token = agent) {
  const response = await create(
    {
      shortDescription: 'Mail relay drops messages',
      impact: 2,
      urgency: 2,
      assignmentGroup: 'problem-management',
      assignee: 'alice',
      ...body,
    },
    token,
  );
  expect(response.status).toBe(201);
  return response.body;
}

async function transition(problem: { id: string }, body: Record<string, unknown>) {
  return api<Problem>('POST', `/problems/${problem.id}/transitions`, { token: agent, body });
}

async function anIncident() {
  const response = await api<{ id: string; number: string }>('POST', '/incidents', {
    token: agent,
    body: { shortDescription: 'Mail is not delivered', assignmentGroup: 'mail' },
  });
  expect(response.status).toBe(201);
  return response.body;
}

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

describe('POST /problems', () => {
  it('creates a problem with a PRB number, a derived priority, a Location and an ETag', async () => {
    const response = await create({
      shortDescription: 'Nightly batch fails',
      impact: 1,
      urgency: 2,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      state: 'New',
      priority: 2,
      version: 1,
      linkedIncidentCount: 0,
    });
    expect(response.body.number).toMatch(/^PRB\d{7}$/);
    expect(response.headers.location).toBe(`/problems/${response.body.id}`);
    expect(response.headers.etag).toBe(`"${response.body.id}.1"`);
    expect(response.headers['idempotent-replayed']).toBeUndefined();
  });

  it('returns the first result for a retried Idempotency-Key and refuses it with another body', async () => {
    const key = crypto.randomUUID();
    const body = { shortDescription: 'Disk full on db-7', impact: 2, urgency: 2 };
    const first = await create(body, writer, { 'idempotency-key': key });
    const retry = await create(body, writer, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe(`/problems/${first.body.id}`);
    expectProblemDetails(
      await create({ ...body, urgency: 1 }, writer, { 'idempotency-key': key }),
      422,
    );
  });

  it('refuses read-only, unknown and malformed fields, naming each', async () => {
    const readOnly = expectProblemDetails(
      await create({
        shortDescription: 'x',
        priority: 1,
        number: 'PRB1',
        state: 'Resolved',
        linkedIncidentCount: 4,
      }),
      400,
    );
    expect(fieldsOf(readOnly)).toEqual(['linkedIncidentCount', 'number', 'priority', 'state']);
    const malformed = expectProblemDetails(
      await create({ shortDescription: '', impact: 7, colour: 'red' }),
      400,
    );
    expect(fieldsOf(malformed)).toEqual(['colour', 'impact', 'shortDescription']);
    const knownError = expectProblemDetails(
      await create({ shortDescription: 'x', knownError: true }),
      400,
    );
    expect(fieldsOf(knownError)).toEqual(['rootCause', 'workaround']);
    const unknownCi = expectProblemDetails(
      await create({ shortDescription: 'x', configurationItem: 'no-such-ci' }),
      400,
    );
    expect(fieldsOf(unknownCi)).toEqual(['configurationItem']);
  });
});

describe('GET /problems/{id}', () => {
  it('reads by id and by number, with an ETag, and answers 404 for unknown problems', async () => {
    const problem = await createOk();
    for (const key of [problem.id, problem.number]) {
      const response = await api<Problem>('GET', `/problems/${key}`, { token: agent });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(problem);
      expect(response.headers.etag).toBe(etagOf(problem));
    }
    expectProblemDetails(await api('GET', '/problems/PRB9999999', { token: agent }), 404);
  });
});

describe('PATCH /problems/{id}', () => {
  it('needs If-Match (428), refuses a stale one (412) and applies a current one', async () => {
    const problem = await createOk();
    const path = `/problems/${problem.id}`;
    expectProblemDetails(await api('PATCH', path, { token: agent, body: { urgency: 1 } }), 428);
    const updated = await api<Problem>('PATCH', path, {
      token: agent,
      body: { impact: 1, urgency: 1, rootCause: 'Queue disk full' },
      headers: { 'if-match': etagOf(problem) },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ priority: 1, version: 2 });
    expect(updated.headers.etag).toBe(`"${problem.id}.2"`);
    const stale = await api('PATCH', path, {
      token: agent,
      body: { urgency: 3 },
      headers: { 'if-match': etagOf(problem) },
    });
    expect(expectProblemDetails(stale, 412)).toMatchObject({ currentVersion: 2 });
    expect((await api<Problem>('GET', path, { token: agent })).body.version).toBe(2);
  });

  it('lets exactly one of several concurrent writers with the same ETag win', async () => {
    const problem = await createOk();
    const responses = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) =>
        api('PATCH', `/problems/${problem.id}`, {
          token: agent,
          body: { description: `by ${name}` },
          headers: { 'if-match': etagOf(problem) },
        }),
      ),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([200, 412, 412, 412]);
  });

  it('refuses state and unknown fields, naming them, and an empty patch', async () => {
    const problem = await createOk();
    const headers = { 'if-match': etagOf(problem) };
    const path = `/problems/${problem.id}`;
    const refused = expectProblemDetails(
      await api('PATCH', path, { token: agent, body: { state: 'Closed', owner: 'x' }, headers }),
      400,
    );
    expect(fieldsOf(refused)).toEqual(expect.arrayContaining(['owner', 'state']));
    expectProblemDetails(await api('PATCH', path, { token: agent, body: {}, headers }), 400);
  });
});

describe('POST /problems/{id}/transitions', () => {
  it('moves through the state model and refuses what the state or the rules do not allow', async () => {
    const problem = await createOk({ assignee: undefined });
    const invalid = expectProblemDetails(await transition(problem, { action: 'close' }), 409);
    expect(invalid.allowedActions).toEqual(['assess']);
    expect((await transition(problem, { action: 'assess' })).body.state).toBe('Assess');
    const noAssignee = expectProblemDetails(await transition(problem, { action: 'analyse' }), 400);
    expect(fieldsOf(noAssignee)).toEqual(['assignee']);
    expectProblemDetails(await transition(problem, { action: 'dance' }), 400);
    expectProblemDetails(await transition(problem, { action: 'assess', colour: 'red' }), 400);

    const current = await api<Problem>('GET', `/problems/${problem.id}`, { token: agent });
    await api('PATCH', `/problems/${problem.id}`, {
      token: agent,
      body: { assignee: 'bob' },
      headers: { 'if-match': etagOf(current.body) },
    });
    expect((await transition(problem, { action: 'analyse' })).body.state).toBe(
      'Root Cause Analysis',
    );
    const noCause = expectProblemDetails(await transition(problem, { action: 'fix' }), 400);
    expect(fieldsOf(noCause)).toEqual(['rootCause']);
    expect(
      (await transition(problem, { action: 'fix', rootCause: 'Lock held by backup' })).body.state,
    ).toBe('Fix in Progress');
    const badCode = expectProblemDetails(
      await transition(problem, {
        action: 'resolve',
        resolutionCode: 'Solved',
        resolutionNotes: 'x',
      }),
      400,
    );
    expect(fieldsOf(badCode)).toEqual(['resolutionCode']);
    const resolved = await transition(problem, {
      action: 'resolve',
      resolutionCode: 'Fix Applied',
      resolutionNotes: 'Backup moved',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ state: 'Resolved', resolutionCode: 'Fix Applied' });
    expect(resolved.headers.etag).toBe(etagOf(resolved.body));
    expect((await transition(problem, { action: 'close' })).body.state).toBe('Closed');
    expect((await transition(problem, { action: 'reanalyse' })).body.state).toBe(
      'Root Cause Analysis',
    );
  });

  it('honours If-Match when sent', async () => {
    const problem = await createOk();
    const path = `/problems/${problem.id}/transitions`;
    const stale = await api('POST', path, {
      token: agent,
      body: { action: 'assess' },
      headers: { 'if-match': `"${problem.id}.7"` },
    });
    expectProblemDetails(stale, 412);
    const current = await api<Problem>('POST', path, {
      token: agent,
      body: { action: 'assess' },
      headers: { 'if-match': etagOf(problem) },
    });
    expect(current.status).toBe(200);
  });

  it('marks a duplicate, moving its incidents to the problem kept', async () => {
    const [duplicate, kept] = [await createOk(), await createOk()];
    for (const problem of [duplicate, kept]) await transition(problem, { action: 'assess' });
    const incident = await anIncident();
    await api('POST', `/problems/${duplicate.id}/incidents`, {
      token: agent,
      body: { incidentIds: [incident.id] },
    });
    const marked = await transition(duplicate, {
      action: 'markDuplicate',
      duplicateOf: kept.number,
    });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({
      state: 'Duplicate',
      duplicateOf: kept.id,
      linkedIncidentCount: 0,
    });
    const keptNow = await api<Problem>('GET', `/problems/${kept.id}`, { token: agent });
    expect(keptNow.body.linkedIncidentCount).toBe(1);
    const linked = await api<Page<{ incidentId: string }>>(
      'GET',
      `/problems/${kept.id}/incidents`,
      { token: agent },
    );
    expect(linked.body.items.map((item) => item.incidentId)).toEqual([incident.id]);
  });
});

describe('incident links', () => {
  it('links by number, lists, finds problems by incident and unlinks with DELETE', async () => {
    const problem = await createOk();
    const [first, second] = [await anIncident(), await anIncident()];
    const base = `/problems/${problem.id}/incidents`;
    const linked = await api<{ problem: Problem; linked: { incidentId: string }[] }>('POST', base, {
      token: agent,
      body: { incidentIds: [first.number, second.id] },
    });
    expect(linked.status).toBe(200);
    expect(linked.body.problem).toMatchObject({ linkedIncidentCount: 2, version: 2 });
    expect(linked.body.linked).toHaveLength(2);
    const again = await api<{ linked: unknown[] }>('POST', base, {
      token: agent,
      body: { incidentIds: [first.id] },
    });
    expect(again.body.linked).toEqual([]);

    const listed = await api<Page<{ incidentId: string; number: string; state: string }>>(
      'GET',
      `${base}?limit=1`,
      { token: reader },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.nextCursor).not.toBeNull();
    const rest = await api<Page<{ incidentId: string }>>(
      'GET',
      `${base}?limit=1&cursor=${encodeURIComponent(listed.body.nextCursor ?? '')}`,
      { token: reader },
    );
    expect(
      [...listed.body.items, ...rest.body.items].map((item) => item.incidentId).sort(),
    ).toEqual([first.id, second.id].sort());

    const byIncident = await api<Page<Problem>>('GET', `/problems?incident=${first.number}`, {
      token: agent,
    });
    expect(byIncident.body.items.map((item) => item.id)).toEqual([problem.id]);
    const combined = expectProblemDetails(
      await api('GET', `/problems?incident=${first.number}&state=New`, { token: agent }),
      400,
    );
    expect(fieldsOf(combined)).toEqual(['query.incident']);

    const unlinked = await api<Problem>('DELETE', `${base}/${first.id}`, { token: agent });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body).toMatchObject({ linkedIncidentCount: 1, version: 3 });
    expect(unlinked.headers.etag).toBe(`"${problem.id}.3"`);
    expectProblemDetails(await api('DELETE', `${base}/${second.id}`, { token: reader }), 403);
  });

  it('refuses unknown incidents, naming them, and an empty list', async () => {
    const problem = await createOk();
    const refused = expectProblemDetails(
      await api('POST', `/problems/${problem.id}/incidents`, {
        token: agent,
        body: { incidentIds: ['INC9999999'] },
      }),
      400,
    );
    expect(refused.errors).toEqual([
      { field: 'incidentIds', message: expect.stringContaining('INC9999999') },
    ]);
    expectProblemDetails(
      await api('POST', `/problems/${problem.id}/incidents`, {
        token: agent,
        body: { incidentIds: [] },
      }),
      400,
    );
  });

  it('communicates a documented workaround to the open linked incidents', async () => {
    const problem = await createOk();
    const incident = await anIncident();
    await api('POST', `/problems/${problem.id}/incidents`, {
      token: agent,
      body: { incidentIds: [incident.id] },
    });
    const path = `/problems/${problem.id}/workaround-communications`;
    const undocumented = expectProblemDetails(await api('POST', path, { token: agent }), 400);
    expect(fieldsOf(undocumented)).toEqual(['workaround']);
    await api('PATCH', `/problems/${problem.id}`, {
      token: agent,
      body: { workaround: 'Restart the relay' },
      headers: { 'if-match': `"${problem.id}.2"` },
    });
    const communicated = await api<{ problem: Problem; notified: number }>('POST', path, {
      token: agent,
    });
    expect(communicated.status).toBe(200);
    expect(communicated.body).toMatchObject({ notified: 1, problem: { version: 4 } });
  });
});

describe('comments and history', () => {
  it('keeps work notes and the audit history of every change', async () => {
    const problem = await createOk();
    const base = `/problems/${problem.number}`;
    const note = await api<{ id: string; visibility: string }>('POST', `${base}/comments`, {
      token: agent,
      body: { body: 'Checked the relay logs' },
    });
    expect(note.status).toBe(201);
    expect(note.body.visibility).toBe('internal');
    expectProblemDetails(
      await api('POST', `${base}/comments`, {
        token: agent,
        body: { body: 'x', visibility: 'public' },
      }),
      400,
    );
    await transition(problem, { action: 'assess', comment: 'Taking it' });
    const notes = await api<Page<{ body: string }>>('GET', `${base}/comments`, { token: reader });
    expect(notes.body.items.map((item) => item.body)).toEqual([
      'Checked the relay logs',
      'Taking it',
    ]);
    const history = await api<Page<{ version: number; action: string; changes: unknown[] }>>(
      'GET',
      `${base}/history`,
      { token: agent },
    );
    expect(history.body.items.map((entry) => [entry.version, entry.action])).toEqual([
      [1, 'create'],
      [2, 'work-note'],
      [3, 'assess'],
    ]);
    expect(history.body.items[2]?.changes).toEqual([{ field: 'state', old: 'New', new: 'Assess' }]);
  });
});

describe('GET /problems', () => {
  it('filters, pages with an opaque cursor and refuses unknown parameters', async () => {
    const group = `team-${crypto.randomUUID().slice(0, 8)}`;
    const created = [];
    for (let index = 0; index < 5; index++)
      created.push(await createOk({ assignmentGroup: group }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `assignmentGroup=${group}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api<Page<Problem>>('GET', `/problems?${query}`, { token: reader });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created.map((problem) => problem.id).reverse());

    const first = await api<Page<Problem>>('GET', `/problems?assignmentGroup=${group}&limit=2`, {
      token: agent,
    });
    const replayed = await api(
      'GET',
      `/problems?state=New&limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
      { token: agent },
    );
    expectProblemDetails(replayed, 400);
    expectProblemDetails(await api('GET', '/problems?limit=101', { token: agent }), 400);
    expectProblemDetails(await api('GET', '/problems?colour=red', { token: agent }), 400);
    expectProblemDetails(await api('GET', '/problems?state=Sleeping', { token: agent }), 400);
  });
});

describe('who may see problems', () => {
  it('answers requesters 404 for a problem and 403 for the collection', async () => {
    const problem = await createOk();
    const path = `/problems/${problem.id}`;
    for (const [method, route, body] of [
      ['GET', path, undefined],
      ['GET', `${path}/history`, undefined],
      ['GET', `${path}/comments`, undefined],
      ['GET', `${path}/incidents`, undefined],
      ['POST', `${path}/comments`, { body: 'Is this mine?' }],
      ['POST', `${path}/transitions`, { action: 'assess' }],
    ] as const) {
      expectProblemDetails(await api(method, route, { token: requester, body }), 404);
    }
    expectProblemDetails(await api('GET', '/problems', { token: requester }), 403);
    expectProblemDetails(
      await api('POST', '/problems', { token: requester, body: { shortDescription: 'x' } }),
      403,
    );
    expect((await api('GET', path)).status).toBe(401);
  });

  it('lets problems.read clients read but not write', async () => {
    const problem = await createOk();
    expect((await api('GET', `/problems/${problem.id}`, { token: reader })).status).toBe(200);
    expect((await api('GET', '/problems?limit=1', { token: reader })).status).toBe(200);
    expectProblemDetails(await create({ shortDescription: 'x' }, reader), 403);
    expectProblemDetails(
      await api('PATCH', `/problems/${problem.id}`, {
        token: reader,
        body: { urgency: 1 },
        headers: { 'if-match': etagOf(problem) },
      }),
      403,
    );
  });
});

describe('the OpenAPI document', () => {
  it('lists every problem route', async () => {
    const document = await api<{ paths: Record<string, Record<string, unknown>> }>(
      'GET',
      '/openapi.json',
    );
    for (const route of PROBLEM_ROUTES) {
      const [method = '', path = ''] = route.split(' ');
      expect(document.body.paths[path], route).toHaveProperty(method.toLowerCase());
    }
  });
});
