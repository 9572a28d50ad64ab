import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiGateway, startApiGateway } from '../../../local/api-gateway';
import {
  CLIENT_SCOPE,
  createTokenVerifier,
  LOCAL_CLIENT_ID,
  LOCAL_ISSUER,
  loadSigningKey,
  mintToken,
  publicJwk,
  ROLE_SUBJECTS,
} from '../../../local/keys';
import { LambdaInvocationError } from '../../../local/lambda-host';
import type { LocalAuthorizer, LocalRoute } from '../../../local/template';

const authorizer: LocalAuthorizer = {
  logicalId: 'Auth',
  issuer: LOCAL_ISSUER,
  audience: [LOCAL_CLIENT_ID],
  identitySource: ['$request.header.Authorization'],
};
const open = (routeKey: string, fn = routeKey): LocalRoute => ({
  routeKey,
  functionLogicalId: fn,
  authorizer: undefined,
  authorizationScopes: [],
});
const routes: LocalRoute[] = [
  open('GET /incidents/{id}'),
  open('GET /incidents/mine'),
  open('ANY /files/{proxy+}'),
  open('POST /echo'),
  open('GET /result'),
  { ...open('GET /secure'), authorizer },
  { ...open('POST /scoped'), authorizer, authorizationScopes: ['itsm/incidents.write'] },
];

let dataDir: string;
let key: JWK;
let gateway: ApiGateway;
const events: Record<string, unknown>[] = [];
const logLines: string[] = [];
let nextResult: () => unknown = () => ({ ok: true });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'api-gateway-'));
  key = await loadSigningKey(dataDir);
  gateway = await startApiGateway({
    port: 0,
    routes,
    cors: {
      allowOrigins: ['https://app.example'],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['etag'],
      allowCredentials: false,
      maxAgeSeconds: 600,
    },
    invoke: async (_fn, event) => {
      events.push(event as Record<string, unknown>);
      return nextResult();
    },
    verifyToken: createTokenVerifier(publicJwk(key)),
    log: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  await gateway.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  events.length = 0;
  nextResult = () => ({ ok: true });
});

async function call(method: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${gateway.url}${path}`, { method, ...init });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const lastEvent = () => events.at(-1) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;

describe('route selection', () => {
  it('prefers an exact path over a path parameter', async () => {
    await call('GET', '/incidents/mine');
    expect(lastEvent().routeKey).toBe('GET /incidents/mine');
    expect(lastEvent().pathParameters).toBeUndefined();
    await call('GET', '/incidents/INC%2042');
    expect(lastEvent()).toMatchObject({
      routeKey: 'GET /incidents/{id}',
      rawPath: '/incidents/INC%2042',
      pathParameters: { id: 'INC 42' },
    });
  });

  it('matches greedy paths for any method', async () => {
    await call('DELETE', '/files/a/b/c');
    expect(lastEvent()).toMatchObject({
      routeKey: 'ANY /files/{proxy+}',
      pathParameters: { proxy: 'a/b/c' },
    });
  });

  it('answers unmatched routes with 404 like API Gateway', async () => {
    const response = await call('GET', '/nothing');
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text)).toEqual({ message: 'Not Found' });
    expect((await call('POST', '/incidents/1')).status).toBe(404);
    expect(events).toHaveLength(0);
  });
});

describe('the payload 2.0 event', () => {
  it('carries headers, cookies, query, body and request context', async () => {
    await call('POST', '/echo?b=2&a=1&a=x%20y', {
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'v', Cookie: 'c1=1; c2=2' },
      body: '{"hello":"world"}',
    });
    const event = lastEvent();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo',
      rawPath: '/echo',
      rawQueryString: 'b=2&a=1&a=x%20y',
      cookies: ['c1=1', 'c2=2'],
      queryStringParameters: { a: '1,x y', b: '2' },
      body: '{"hello":"world"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        http: { method: 'POST', path: '/echo', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        routeKey: 'POST /echo',
        stage: '$default',
      },
    });
    expect(event.headers).toMatchObject({ 'content-type': 'application/json', 'x-custom': 'v' });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(event.requestContext.authorizer).toBeUndefined();
  });

  it('base64-encodes bodies that are not text', async () => {
    await call('POST', '/echo', {
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2, 255]),
    });
    expect(lastEvent()).toMatchObject({ body: 'AAEC/w==', isBase64Encoded: true });
  });

  it('omits body and query when there are none', async () => {
    await call('GET', '/result');
    expect(lastEvent().body).toBeUndefined();
    expect(lastEvent().queryStringParameters).toBeUndefined();
    expect(lastEvent().isBase64Encoded).toBe(false);
  });

  it('rejects requests over 10 MB with 413', async () => {
    const response = await call('POST', '/echo', {
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(events).toHaveLength(0);
  });
});

describe('the response mapping', () => {
  it('uses status, headers, cookies and base64 bodies of a structured result', async () => {
    nextResult = () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'image/png', ETag: '"1"' },
      cookies: ['a=1; Path=/', 'b=2'],
      body: Buffer.from('binary').toString('base64'),
      isBase64Encoded: true,
    });
    const response = await call('GET', '/result');
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect(response.headers.get('apigw-requestid')).toBeTruthy();
    expect(response.text).toBe('binary');
  });

  it('turns a plain object into a 200 JSON response', async () => {
    nextResult = () => ({ items: [1] });
    const response = await call('GET', '/result');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(response.text)).toEqual({ items: [1] });
  });

  it('answers 500 when the function fails or returns a malformed response', async () => {
    nextResult = () => {
      throw new LambdaInvocationError('TypeError', 'boom');
    };
    const failed = await call('GET', '/result');
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.text)).toEqual({ message: 'Internal Server Error' });
    nextResult = () => ({ statusCode: 'abc' });
    expect((await call('GET', '/result')).status).toBe(500);
  });

  it('logs one line per request', async () => {
    await call('GET', '/result?x=1');
    expect(logLines.at(-1)).toMatch(/^GET \/result\?x=1 200 \d+ms$/);
  });
});

describe('the JWT authorizer', () => {
  it('rejects a missing token with 401', async () => {
    const response = await call('GET', '/secure');
    expect(response.status).toBe(401);
    expect(JSON.parse(response.text)).toEqual({ message: 'Unauthorized' });
    expect(events).toHaveLength(0);
  });

  it('passes the verified claims as strings, with or without the Bearer prefix', async () => {
    const token = await mintToken(key, { role: 'agent' });
    for (const authorization of [`Bearer ${token}`, token]) {
      expect((await call('GET', '/secure', { headers: { authorization } })).status).toBe(200);
      expect(lastEvent().requestContext.authorizer.jwt).toMatchObject({
        claims: {
          sub: ROLE_SUBJECTS.agent,
          'cognito:groups': '[agent]',
          client_id: LOCAL_CLIENT_ID,
          token_use: 'access',
          iss: LOCAL_ISSUER,
          exp: expect.stringMatching(/^\d+$/),
        },
        scopes: null,
      });
    }
  });

  it('rejects tokens signed by another key, expired or for another audience', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'other-key-'));
    try {
      const otherKey = await loadSigningKey(otherDir);
      const now = Math.floor(Date.now() / 1000);
      const tokens = [
        await mintToken(otherKey, { role: 'agent' }),
        await mintToken(key, { role: 'agent', issuedAt: now - 7200, expiresInSeconds: 3600 }),
        'not-a-jwt',
      ];
      for (const token of tokens) {
        const response = await call('GET', '/secure', {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/invalid_token/);
      }
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('requires one of the route scopes, else 403', async () => {
    const reader = await mintToken(key, { role: 'client', scope: 'itsm/incidents.read' });
    const forbidden = await call('POST', '/scoped', {
      headers: { authorization: `Bearer ${reader}` },
    });
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.text)).toEqual({ message: 'Forbidden' });
    const writer = await mintToken(key, { role: 'client' });
    expect(
      (await call('POST', '/scoped', { headers: { authorization: `Bearer ${writer}` } })).status,
    ).toBe(200);
    expect(lastEvent().requestContext.authorizer.jwt.scopes).toEqual(CLIENT_SCOPE.split(' '));
  });
});

describe('CORS', () => {
  it('answers preflight requests itself and adds the origin to responses', async () => {
    const preflight = await call('OPTIONS', '/secure', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(preflight.headers.get('access-control-max-age')).toBe('600');
    const response = await call('GET', '/result', { headers: { origin: 'https://app.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(response.headers.get('access-control-expose-headers')).toBe('etag');
    const foreign = await call('GET', '/result', { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
