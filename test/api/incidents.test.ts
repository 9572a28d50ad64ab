import { beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../shared/http/cursor';
import { api, tokenFor } from './support/client';

type Incident = {
  id: string;
  number: string;
  state: string;
  priority: number;
  caller: string;
  version: number;
  holdReason?: string;
  resolutionCode?: string;
  childCount: number;
};
type Problem = {
  type: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
  allowedActions?: string[];
};
type Page<T> = { items: T[]; nextCursor: string | null };

let agent: string;
let admin: string;
let requester: string;
let otherRequester: string;
let writer: string;
let reader: string;
const requesterId = `requester-${crypto.randomUUID()}`;

beforeAll(async () => {
  agent = await tokenFor('agent');
  admin = await tokenFor('admin');
  requester = await tokenFor('requester', requesterId);
  otherRequester = await tokenFor('requester', `requester-${crypto.randomUUID()}`);
  writer = await tokenFor('client', 'monitoring-client');
  reader = await tokenFor('client', 'reporting-client', { scope: 'itsm/incidents.read' });
});

async function create(
  body: Record<string, unknown>,
  token = agent,
  headers: Record<string, string> = {},
) {
  return api<Incident>('POST', '/incidents', { token, body, headers });
}

async function createOk(body: Record<string, unknown> = {}, token = agent) {
  const response = await create(
    {
      shortDescription: 'Mail is down',
      impact: 2,
      urgency: 1,
      assignmentGroup: 'messaging',
      ...body,
    },
    token,
  );
  expect(response.status).toBe(201);
  return response.body;
}

function expectProblem(
  response: { status: number; headers: Record<string, string>; body: unknown },
  status: number,
) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  return response.body as Problem;
}

describe('POST /incidents', () => {
  it('creates an incident with a derived priority, a number, a Location and an ETag', async () => {
    const response = await create({
      shortDescription: 'VPN down',
      impact: 1,
      urgency: 2,
      assignmentGroup: 'network',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ state: 'New', priority: 2, version: 1 });
    expect(response.body.number).toMatch(/^INC\d{7}$/);
    expect(response.headers.location).toBe(`/incidents/${response.body.id}`);
    expect(response.headers.etag).toBe(`"${response.body.id}.1"`);
  });

  it('returns the first result for a retried Idempotency-Key and refuses it with another body', async () => {
    const key = crypto.randomUUID();
    const body = { shortDescription: 'Disk full on db-7', impact: 2, urgency: 2 };
    const first = await create(body, writer, { 'idempotency-key': key });
    const retry = await create(body, writer, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const reused = await create({ ...body, urgency: 1 }, writer, { 'idempotency-key': key });
    expectProblem(reused, 422);
  });

  it('refuses read-only, unknown and malformed fields, naming each, and creates nothing', async () => {
    const before = await api<Page<Incident>>('GET', '/incidents?limit=100', { token: agent });
    const readOnly = expectProblem(
      await create({ shortDescription: 'x', priority: 1, number: 'INC1', version: 3 }),
      400,
    );
    expect(readOnly.errors?.map((error) => error.field).sort()).toEqual([
      'number',
      'priority',
      'version',
    ]);
    const malformed = expectProblem(
      await create({ shortDescription: '', impact: 7, channel: 'fax' }),
      400,
    );
    expect(malformed.errors?.map((error) => error.field).sort()).toEqual([
      'channel',
      'impact',
      'shortDescription',
    ]);
    expectProblem(await create({ shortDescription: 'x'.repeat(161) }), 400);
    expectProblem(await create({}), 400);
    const after = await api<Page<Incident>>('GET', '/incidents?limit=100', { token: agent });
    expect(after.body.items[0]?.id).toBe(before.body.items[0]?.id);
  });

  it('refuses a configuration item the CMDB does not have', async () => {
    const problem = expectProblem(
      await create({ shortDescription: 'x', configurationItem: 'no-such-ci' }),
      400,
    );
    expect(problem.errors?.[0]?.field).toBe('configurationItem');
  });

  it('refuses bodies that are not JSON, not declared JSON, or too large', async () => {
    const notJson = await api('POST', '/incidents', {
      token: agent,
      body: '{oops',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(notJson, 400);
    const plain = await api('POST', '/incidents', {
      token: agent,
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(plain, 415);
    const huge = await create({ shortDescription: 'big', description: 'x'.repeat(70_000) });
    expectProblem(huge, 413);
  });

  it('makes a requester the caller and refuses the fields only agents set', async () => {
    const own = await createOk({ assignmentGroup: undefined, impact: undefined }, requester);
    expect(own.caller).toBe(requesterId);
    const refused = expectProblem(
      await create(
        { shortDescription: 'x', caller: 'someone', assignmentGroup: 'g', impact: 1 },
        requester,
      ),
      400,
    );
    expect(refused.errors?.map((error) => error.field).sort()).toEqual([
      'assignmentGroup',
      'caller',
      'impact',
    ]);
  });

  it('needs the write scope for machine clients', async () => {
    expectProblem(await create({ shortDescription: 'from a reader' }, reader), 403);
    const created = await createOk(
      { shortDescription: 'Disk 95% on db-3', channel: 'monitoring' },
      writer,
    );
    expect(created).toMatchObject({ caller: 'monitoring-client' });
  });
});

describe('GET /incidents/{id}', () => {
  it('reads by id and by number, with an ETag', async () => {
    const incident = await createOk();
    for (const key of [incident.id, incident.number]) {
      const response = await api<Incident>('GET', `/incidents/${key}`, { token: agent });
      expect(response.status).toBe(200);
      expect(response.body.id).toBe(incident.id);
      expect(response.headers.etag).toBe(`"${incident.id}.1"`);
    }
  });

  it('answers 404 for unknown incidents and for incidents a requester may not see', async () => {
    expectProblem(await api('GET', '/incidents/INC9999999', { token: agent }), 404);
    const foreign = await createOk();
    expectProblem(await api('GET', `/incidents/${foreign.id}`, { token: requester }), 404);
    const own = await createOk({ assignmentGroup: undefined, impact: undefined }, requester);
    expectProblem(await api('GET', `/incidents/${own.id}`, { token: otherRequester }), 404);
    expect((await api('GET', `/incidents/${own.id}`, { token: requester })).status).toBe(200);
    expect((await api('GET', `/incidents/${own.id}`, { token: reader })).status).toBe(200);
  });
});

describe('PATCH /incidents/{id}', () => {
  it('needs If-Match, refuses a stale one with 412 and applies a current one', async () => {
    const incident = await createOk();
    const path = `/incidents/${incident.id}`;
    expectProblem(await api('PATCH', path, { token: agent, body: { assignee: 'alice' } }), 428);
    const etag = `"${incident.id}.1"`;
    const updated = await api<Incident>('PATCH', path, {
      token: agent,
      body: { assignee: 'alice', impact: 1 },
      headers: { 'if-match': etag },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ priority: 1, version: 2 });
    expect(updated.headers.etag).toBe(`"${incident.id}.2"`);
    const stale = await api('PATCH', path, {
      token: agent,
      body: { assignee: 'bob' },
      headers: { 'if-match': etag },
    });
    expectProblem(stale, 412);
    expect((await api<Incident>('GET', path, { token: agent })).body.version).toBe(2);
  });

  it('lets exactly one of several concurrent writers with the same ETag win', async () => {
    const incident = await createOk();
    const responses = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((name) =>
        api('PATCH', `/incidents/${incident.id}`, {
          token: agent,
          body: { assignee: name },
          headers: { 'if-match': `"${incident.id}.1"` },
        }),
      ),
    );
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
    expect(responses.filter((response) => response.status === 412)).toHaveLength(4);
  });

  it('refuses requesters naming the fields, and read-only fields for everyone', async () => {
    const own = await createOk({ assignmentGroup: undefined, impact: undefined }, requester);
    const headers = { 'if-match': `"${own.id}.1"` };
    const asRequester = expectProblem(
      await api('PATCH', `/incidents/${own.id}`, {
        token: requester,
        body: { urgency: 1 },
        headers,
      }),
      400,
    );
    expect(asRequester.errors?.[0]?.field).toBe('urgency');
    const readOnly = expectProblem(
      await api('PATCH', `/incidents/${own.id}`, {
        token: agent,
        body: { state: 'Closed' },
        headers,
      }),
      400,
    );
    expect(readOnly.errors?.[0]?.field).toBe('state');
  });
});

describe('POST /incidents/{id}/transitions', () => {
  it('moves through the state model and refuses invalid actions with the allowed ones', async () => {
    const incident = await createOk();
    const path = `/incidents/${incident.id}/transitions`;
    const invalid = expectProblem(
      await api('POST', path, { token: agent, body: { action: 'close' } }),
      409,
    );
    expect(invalid.allowedActions).toEqual(
      expect.arrayContaining(['start', 'hold', 'resolve', 'cancel']),
    );
    expect(invalid.allowedActions).not.toContain('close');
    expect(
      (await api<Incident>('POST', path, { token: agent, body: { action: 'start' } })).body.state,
    ).toBe('In Progress');
    const missingComment = expectProblem(
      await api('POST', path, {
        token: agent,
        body: { action: 'hold', holdReason: 'Awaiting Caller' },
      }),
      400,
    );
    expect(missingComment.errors?.[0]?.field).toBe('comment');
    const missingNotes = expectProblem(
      await api('POST', path, {
        token: agent,
        body: { action: 'resolve', resolutionCode: 'Solved (Permanently)' },
      }),
      400,
    );
    expect(missingNotes.errors?.[0]?.field).toBe('resolutionNotes');
    const resolved = await api<Incident>('POST', path, {
      token: agent,
      body: {
        action: 'resolve',
        resolutionCode: 'Solved (Permanently)',
        resolutionNotes: 'Restarted',
      },
    });
    expect(resolved.body).toMatchObject({
      state: 'Resolved',
      resolutionCode: 'Solved (Permanently)',
    });
    expectProblem(await api('POST', path, { token: agent, body: { action: 'dance' } }), 400);
  });

  it('requires an assignment group to start work', async () => {
    const incident = await createOk({ assignmentGroup: undefined });
    const problem = expectProblem(
      await api('POST', `/incidents/${incident.id}/transitions`, {
        token: agent,
        body: { action: 'start' },
      }),
      400,
    );
    expect(problem.errors?.[0]?.field).toBe('assignmentGroup');
  });

  it('honours If-Match when sent', async () => {
    const incident = await createOk();
    const stale = await api('POST', `/incidents/${incident.id}/transitions`, {
      token: agent,
      body: { action: 'start' },
      headers: { 'if-match': `"${incident.id}.7"` },
    });
    expectProblem(stale, 412);
  });

  it('lets the caller reopen or close a resolved incident, and nothing else', async () => {
    const own = await createOk({ assignmentGroup: undefined, impact: undefined }, requester);
    const path = `/incidents/${own.id}/transitions`;
    expectProblem(
      await api('POST', path, {
        token: requester,
        body: { action: 'resolve', resolutionCode: 'Duplicate', resolutionNotes: 'x' },
      }),
      403,
    );
    await api('POST', path, {
      token: agent,
      body: {
        action: 'resolve',
        resolutionCode: 'Solved Remotely',
        resolutionNotes: 'Reset password',
      },
    });
    // No assignment group, so no In Progress: the reopened incident goes back to the queue.
    expect(
      (await api<Incident>('POST', path, { token: requester, body: { action: 'reopen' } })).body
        .state,
    ).toBe('New');
  });
});

describe('comments and history', () => {
  it('writes a comment once per Idempotency-Key, however often it is retried', async () => {
    const incident = await createOk();
    const path = `/incidents/${incident.id}/comments`;
    const key = { 'idempotency-key': crypto.randomUUID() };
    const comment = { body: 'Restarted the switch', visibility: 'internal' };
    const first = await api<{ id: string }>('POST', path, {
      token: agent,
      body: comment,
      headers: key,
    });
    const retries = await Promise.all(
      [1, 2, 3].map(() =>
        api<{ id: string }>('POST', path, { token: agent, body: comment, headers: key }),
      ),
    );
    expect(first.status).toBe(201);
    for (const retry of retries) {
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(first.body);
    }
    const listed = await api<Page<{ id: string }>>('GET', path, { token: agent });
    expect(listed.body.items.map((item) => item.id)).toEqual([first.body.id]);
    expect(
      (await api<Incident>('GET', `/incidents/${incident.id}`, { token: agent })).body.version,
    ).toBe(2);

    const otherBody = await api('POST', path, {
      token: agent,
      body: { ...comment, body: 'Something else' },
      headers: key,
    });
    expectProblem(otherBody, 422);
  });

  it('keeps work notes from requesters and resumes an incident awaiting its caller', async () => {
    const own = await createOk({ assignmentGroup: undefined, impact: undefined }, requester);
    const base = `/incidents/${own.id}`;
    await api('PATCH', base, {
      token: agent,
      body: { assignmentGroup: 'desk' },
      headers: { 'if-match': `"${own.id}.1"` },
    });
    await api('POST', `${base}/transitions`, { token: agent, body: { action: 'start' } });
    const held = await api<Incident>('POST', `${base}/transitions`, {
      token: agent,
      body: { action: 'hold', holdReason: 'Awaiting Caller', comment: 'Which floor are you on?' },
    });
    expect(held.body.state).toBe('On Hold');
    expect(
      (
        await api('POST', `${base}/comments`, {
          token: agent,
          body: { body: 'Probably the switch', visibility: 'internal' },
        })
      ).status,
    ).toBe(201);
    expectProblem(
      await api('POST', `${base}/comments`, {
        token: requester,
        body: { body: 'x', visibility: 'internal' },
      }),
      400,
    );
    expect(
      (await api('POST', `${base}/comments`, { token: requester, body: { body: 'Floor 3' } }))
        .status,
    ).toBe(201);
    expect((await api<Incident>('GET', base, { token: requester })).body.state).toBe('In Progress');

    const asAgent = await api<Page<{ visibility: string; body: string }>>(
      'GET',
      `${base}/comments`,
      { token: agent },
    );
    expect(asAgent.body.items.map((comment) => comment.body)).toEqual([
      'Which floor are you on?',
      'Probably the switch',
      'Floor 3',
    ]);
    const asRequester = await api<Page<{ visibility: string }>>('GET', `${base}/comments`, {
      token: requester,
    });
    expect(asRequester.body.items.every((comment) => comment.visibility === 'public')).toBe(true);
    expect(asRequester.body.items).toHaveLength(2);

    const history = await api<
      Page<{ version: number; action: string; actor: unknown; changes: { field: string }[] }>
    >('GET', `${base}/history`, { token: agent });
    expect(history.body.items.map((entry) => entry.action)).toEqual([
      'create',
      'update',
      'start',
      'hold',
      'work-note',
      'comment',
    ]);
    expect(history.body.items[1]?.changes.map((change) => change.field)).toContain(
      'assignmentGroup',
    );
    expect(history.body.items[1]?.actor).toMatchObject({ kind: 'user', role: 'agent' });
    const requesterHistory = await api<Page<{ action: string }>>('GET', `${base}/history`, {
      token: requester,
    });
    expect(requesterHistory.body.items.map((entry) => entry.action)).not.toContain('work-note');
    expectProblem(await api('GET', `${base}/comments`, { token: otherRequester }), 404);
  });
});

describe('GET /incidents', () => {
  it('filters, pages with an opaque cursor and caps the page size', async () => {
    const group = `team-${crypto.randomUUID().slice(0, 8)}`;
    const created = [];
    for (let index = 0; index < 5; index++)
      created.push(await createOk({ assignmentGroup: group }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `assignmentGroup=${group}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api<Page<Incident>>('GET', `/incidents?${query}`, { token: admin });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created.map((incident) => incident.id).reverse());

    expectProblem(await api('GET', '/incidents?limit=101', { token: agent }), 400);
    expectProblem(await api('GET', '/incidents?colour=red', { token: agent }), 400);
    expectProblem(await api('GET', '/incidents?cursor=bm90LWEtY3Vyc29y', { token: agent }), 400);
    expectProblem(await api('GET', '/incidents?state=Sleeping', { token: agent }), 400);
  });

  it('refuses a forged cursor that carries the right fingerprint', async () => {
    // The fingerprint is no secret: a client can wrap a storage cursor of its own in it.
    const filters = { assignmentGroup: 'forgers' };
    const wrap = (storageCursor: string) =>
      Buffer.from(JSON.stringify({ c: storageCursor, q: fingerprint(filters) })).toString(
        'base64url',
      );
    const startKey = Buffer.from(JSON.stringify({ pk: 'elsewhere', sk: 'x' })).toString(
      'base64url',
    );
    for (const cursor of [wrap('not base64 json'), wrap(startKey)]) {
      const response = await api('GET', `/incidents?assignmentGroup=forgers&cursor=${cursor}`, {
        token: agent,
      });
      expectProblem(response, 400);
      expect(JSON.stringify(response.body)).toContain('query.cursor');
    }
  });

  it('shows requesters their own incidents only', async () => {
    const token = await tokenFor('requester', `requester-${crypto.randomUUID()}`);
    const own = await createOk({ assignmentGroup: undefined, impact: undefined }, token);
    const page = await api<Page<Incident>>('GET', '/incidents', { token });
    expect(page.body.items.map((item) => item.id)).toEqual([own.id]);
    expectProblem(await api('GET', '/incidents?caller=somebody-else', { token }), 403);
  });
});

describe('parent and child incidents', () => {
  it('resolves the children when the parent is resolved, through the event bus', async () => {
    const parent = await createOk({
      shortDescription: 'Datacenter power loss',
      impact: 1,
      urgency: 1,
    });
    const children = [
      await createOk({ parentId: parent.id }),
      await createOk({ parentId: parent.number }),
    ];
    const listed = await api<Page<Incident>>('GET', `/incidents/${parent.id}/children`, {
      token: agent,
    });
    expect(listed.body.items.map((item) => item.id).sort()).toEqual(
      children.map((child) => child.id).sort(),
    );
    const resolved = await api<Incident>('POST', `/incidents/${parent.id}/transitions`, {
      token: agent,
      body: {
        action: 'resolve',
        resolutionCode: 'Solved (Permanently)',
        resolutionNotes: 'Power restored',
      },
    });
    expect(resolved.body.childCount).toBe(2);

    const deadline = Date.now() + 20_000;
    let states: string[] = [];
    while (Date.now() < deadline) {
      states = await Promise.all(
        children.map(
          async (child) =>
            (await api<Incident>('GET', `/incidents/${child.id}`, { token: agent })).body.state,
        ),
      );
      if (states.every((state) => state === 'Resolved')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(states).toEqual(['Resolved', 'Resolved']);
    const child = await api<Incident>('GET', `/incidents/${children[0]?.id}`, { token: agent });
    expect(child.body.resolutionCode).toBe('Solved (Permanently)');
  });
});
