import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler as apiHandler } from '../../../functions/cmdb/api';
import { handler as importHandler } from '../../../functions/cmdb/import-api';
import { CMDB_IMPORT_ROUTES, type CmdbRouteKey } from '../../../functions/cmdb/routes';
import { Scopes } from '../../../shared/auth';
import { ec2InstanceItem } from '../../unit/cmdb/aws-config-items';

/** The CMDB handlers invoked as API Gateway would, with the claims its JWT authorizer passes on. */
type Caller = Record<string, unknown>;
const agent: Caller = { sub: 'agent-1', 'cognito:groups': ['agent'] };
const requester: Caller = { sub: 'requester-1' };
const client = (scope: string): Caller => ({ sub: 'app', client_id: 'app', scope });

const lambdaContext = {
  functionName: 'cmdb-api',
  awsRequestId: 'request-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:cmdb-api',
  memoryLimitInMB: '1024',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

interface Call {
  caller?: Caller;
  path?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

async function call(routeKey: CmdbRouteKey, request: Call = {}) {
  const { caller = agent, path = {}, query, body, headers = {} } = request;
  const rawPath = routeKey
    .split(' ')[1]
    ?.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(path[name] ?? '')) as string;
  const event = {
    routeKey,
    rawPath,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    pathParameters: path,
    queryStringParameters: query,
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: crypto.randomUUID(), authorizer: { jwt: { claims: caller } } },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  const handler = (CMDB_IMPORT_ROUTES as readonly string[]).includes(routeKey)
    ? importHandler
    : apiHandler;
  const response = await handler(event, lambdaContext);
  return {
    status: response.statusCode,
    headers: response.headers ?? {},
    body: response.body ? JSON.parse(response.body) : undefined,
  };
}

const newCi = (overrides: Record<string, unknown> = {}) => ({
  ciClass: 'application',
  name: 'orders',
  criticality: 2,
  environment: 'production',
  lifecycleState: 'operational',
  ...overrides,
});

async function created(overrides: Record<string, unknown> = {}) {
  const response = await call('POST /cis', { body: newCi(overrides) });
  expect(response.status).toBe(201);
  return response.body as { id: string; version: number };
}

describe('CMDB API', () => {
  it('creates, reads and lists CIs with ETags and replays an Idempotency-Key', async () => {
    const ownerGroup = `team-${crypto.randomUUID()}`;
    const headers = { 'idempotency-key': crypto.randomUUID() };
    const first = await call('POST /cis', { body: newCi({ ownerGroup }), headers });
    expect(first).toMatchObject({
      status: 201,
      body: { version: 1, lifecycleState: 'operational' },
    });
    expect(first.headers.location).toBe(`/cis/${first.body.id}`);
    const replay = await call('POST /cis', { body: newCi({ ownerGroup }), headers });
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.headers['idempotent-replayed']).toBe('true');

    const read = await call('GET /cis/{id}', { path: { id: first.body.id } });
    expect(read.headers.etag).toBe(`"${first.body.id}.1"`);
    expect(read.body).not.toHaveProperty('edges');
    const list = await call('GET /cis', { query: { ownerGroup } });
    expect(list.body).toMatchObject({ items: [{ id: first.body.id }], nextCursor: null });
  });

  it('refuses unknown fields, attributes the class does not have, and unknown CIs', async () => {
    const unknownField = await call('POST /cis', { body: newCi({ version: 3 }) });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors).toContainEqual(expect.objectContaining({ field: 'version' }));
    const badAttribute = await call('POST /cis', { body: newCi({ attributes: { port: 1 } }) });
    expect(badAttribute.status).toBe(400);
    expect(badAttribute.body.errors[0].field).toMatch(/^attributes/);
    expect((await call('GET /cis/{id}', { path: { id: 'nope' } })).status).toBe(404);
  });

  it('lets requesters and cmdb.read clients read but not write; other clients get nothing', async () => {
    const ci = await created();
    const reader = client(Scopes.cmdbRead);
    expect((await call('GET /cis/{id}', { caller: requester, path: { id: ci.id } })).status).toBe(
      200,
    );
    expect((await call('GET /cis/{id}', { caller: reader, path: { id: ci.id } })).status).toBe(200);
    expect((await call('POST /cis', { caller: requester, body: newCi() })).status).toBe(403);
    expect((await call('POST /cis', { caller: reader, body: newCi() })).status).toBe(403);
    const incidentsOnly = client(Scopes.incidentsWrite);
    expect((await call('GET /cis', { caller: incidentsOnly })).status).toBe(403);
    const writer = client(Scopes.cmdbWrite);
    expect((await call('POST /cis', { caller: writer, body: newCi() })).status).toBe(201);
  });

  it('updates with If-Match under the lifecycle rules', async () => {
    const ci = await created();
    const path = { id: ci.id };
    const patch = (body: unknown, ifMatch?: string) =>
      call('PATCH /cis/{id}', { path, body, headers: ifMatch ? { 'if-match': ifMatch } : {} });
    expect((await patch({ name: 'renamed' })).status).toBe(428);
    expect((await patch({ name: 'renamed' }, `"${ci.id}.9"`)).status).toBe(412);
    const planned = await patch({ lifecycleState: 'planned' }, `"${ci.id}.1"`);
    expect(planned.status).toBe(409);
    expect(planned.body.allowedActions).toEqual(['in_maintenance', 'retired']);
    const renamed = await patch({ name: 'renamed', ownerGroup: 'web' }, `"${ci.id}.1"`);
    expect(renamed).toMatchObject({ status: 200, body: { name: 'renamed', version: 2 } });
    expect(renamed.headers.etag).toBe(`"${ci.id}.2"`);
  });

  it('adds, lists and removes relationships in either form', async () => {
    const app = await created();
    const server = await created({ ciClass: 'server', name: 'host' });
    const add = await call('POST /cis/{id}/relationships', {
      path: { id: server.id },
      body: { type: 'runs', target: app.id },
    });
    expect(add).toMatchObject({
      status: 201,
      body: { type: 'runs', target: app.id, canonical: { source: app.id, type: 'runs_on' } },
    });
    const duplicate = await call('POST /cis/{id}/relationships', {
      path: { id: app.id },
      body: { type: 'runs_on', target: server.id },
    });
    expect(duplicate.status).toBe(409);
    const wrongClass = await call('POST /cis/{id}/relationships', {
      path: { id: server.id },
      body: { type: 'runs_on', target: app.id },
    });
    expect(wrongClass.status).toBe(400);

    const listed = await call('GET /cis/{id}/relationships', { path: { id: app.id } });
    expect(listed.body.items).toEqual([
      { type: 'runs_on', target: server.id, canonical: expect.any(Object) },
    ]);
    const impact = await call('GET /cis/{id}/impact', { path: { id: server.id } });
    expect(impact.body).toMatchObject({ impacted: [{ ciId: app.id, depth: 1 }], truncated: false });
    const tooDeep = await call('GET /cis/{id}/impact', {
      path: { id: server.id },
      query: { maxDepth: '99' },
    });
    expect(tooDeep.status).toBe(400);

    const path = { id: app.id, type: 'runs_on', target: server.id };
    expect((await call('DELETE /cis/{id}/relationships/{type}/{target}', { path })).status).toBe(
      204,
    );
    expect((await call('DELETE /cis/{id}/relationships/{type}/{target}', { path })).status).toBe(
      404,
    );
  });

  it('imports one AWS Config item or an array, and refuses an invalid one by index', async () => {
    const item = { ...ec2InstanceItem(), resourceId: `i-${crypto.randomUUID().slice(0, 8)}` };
    const single = await call('POST /cis/import', { body: item });
    expect(single).toMatchObject({ status: 200, body: { items: [{ outcome: 'created' }] } });
    const array = await call('POST /cis/import', { body: [item] });
    expect(array.body.items).toMatchObject([{ outcome: 'unchanged' }]);
    const invalid = await call('POST /cis/import', {
      body: [item, { ...item, awsAccountId: 'x' }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].field).toMatch(/^1\./);
    expect((await call('POST /cis/import', { caller: requester, body: item })).status).toBe(403);
  });
});
