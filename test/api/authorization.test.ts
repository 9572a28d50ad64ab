import { beforeAll, describe, expect, it } from 'vitest';
import { api, tokenFor } from './support/client';

/**
 * Every route with every kind of caller, on an incident reported by someone else:
 * requesters must not learn it exists (404), read-only machine clients may read but not
 * write (403), agents, admins and writing clients may do everything.
 */
type Caller = 'requester' | 'agent' | 'admin' | 'writer' | 'reader';
const CALLERS: Caller[] = ['requester', 'agent', 'admin', 'writer', 'reader'];
const tokens = {} as Record<Caller, string>;

beforeAll(async () => {
  tokens.requester = await tokenFor('requester', `requester-${crypto.randomUUID()}`);
  tokens.agent = await tokenFor('agent');
  tokens.admin = await tokenFor('admin');
  tokens.writer = await tokenFor('client', 'integration-writer');
  tokens.reader = await tokenFor('client', 'integration-reader', { scope: 'itsm/incidents.read' });
});

async function foreignIncident(): Promise<{ id: string; version: number }> {
  const response = await api<{ id: string; version: number }>('POST', '/incidents', {
    token: tokens.agent,
    body: {
      shortDescription: 'Someone else’s problem',
      caller: 'another-person',
      assignmentGroup: 'desk',
    },
  });
  expect(response.status).toBe(201);
  return response.body;
}

type Expectation = Record<Caller, number>;
const everyone = (status: number, overrides: Partial<Expectation> = {}): Expectation => ({
  requester: status,
  agent: status,
  admin: status,
  writer: status,
  reader: status,
  ...overrides,
});

const cases: Array<{
  route: string;
  expected: Expectation;
  request: (incident: { id: string; version: number }) => {
    method: string;
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
  };
}> = [
  {
    route: 'GET /incidents',
    expected: everyone(200),
    request: () => ({ method: 'GET', path: '/incidents?limit=5' }),
  },
  {
    route: 'POST /incidents',
    expected: everyone(201, { reader: 403 }),
    request: () => ({
      method: 'POST',
      path: '/incidents',
      body: { shortDescription: 'Printer offline' },
    }),
  },
  {
    route: 'GET /incidents/{id}',
    expected: everyone(200, { requester: 404 }),
    request: ({ id }) => ({ method: 'GET', path: `/incidents/${id}` }),
  },
  {
    route: 'PATCH /incidents/{id}',
    // A requester may set no field at all: 400 names the field, and says nothing of the incident.
    expected: everyone(200, { requester: 400, reader: 403 }),
    request: ({ id, version }) => ({
      method: 'PATCH',
      path: `/incidents/${id}`,
      body: { urgency: 2 },
      headers: { 'if-match': `"${id}.${version}"` },
    }),
  },
  {
    route: 'POST /incidents/{id}/transitions',
    expected: everyone(200, { requester: 404, reader: 403 }),
    request: ({ id }) => ({
      method: 'POST',
      path: `/incidents/${id}/transitions`,
      body: { action: 'start' },
    }),
  },
  {
    route: 'GET /incidents/{id}/comments',
    expected: everyone(200, { requester: 404 }),
    request: ({ id }) => ({ method: 'GET', path: `/incidents/${id}/comments` }),
  },
  {
    route: 'POST /incidents/{id}/comments',
    expected: everyone(201, { requester: 404, reader: 403 }),
    request: ({ id }) => ({
      method: 'POST',
      path: `/incidents/${id}/comments`,
      body: { body: 'Looking into it' },
    }),
  },
  {
    route: 'GET /incidents/{id}/history',
    expected: everyone(200, { requester: 404 }),
    request: ({ id }) => ({ method: 'GET', path: `/incidents/${id}/history` }),
  },
  {
    route: 'GET /incidents/{id}/children',
    expected: everyone(200, { requester: 404 }),
    request: ({ id }) => ({ method: 'GET', path: `/incidents/${id}/children` }),
  },
];

describe('authorization of every route for every caller', () => {
  for (const { route, expected, request } of cases) {
    for (const caller of CALLERS) {
      it(`${route} as ${caller}: ${expected[caller]}`, async () => {
        const { method, path, body, headers } = request(await foreignIncident());
        const response = await api(method, path, { token: tokens[caller], body, headers });
        expect(response.status).toBe(expected[caller]);
      });
    }
    it(`${route} without a token: 401`, async () => {
      const { method, path, body } = request(await foreignIncident());
      expect((await api(method, path, { body })).status).toBe(401);
    });
  }
});
