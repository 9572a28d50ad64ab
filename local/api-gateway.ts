import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidTokenError, type TokenVerifier } from './keys';
import { LambdaInvocationError } from './lambda-host';
import { LOCAL_ACCOUNT_ID, type LocalCors, type LocalRoute } from './template';

/**
 * An HTTP server that behaves like an API Gateway HTTP API with Lambda proxy integrations
 * (payload format 2.0) and JWT authorizers: same route selection, same event, same response
 * mapping, same error bodies.
 */

/** API Gateway's request payload limit. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** An HTTP API waits at most 30 s for an integration. */
const INTEGRATION_TIMEOUT_MS = 30_000;

export interface ApiGatewayOptions {
  port: number;
  host?: string;
  apiId?: string;
  routes: LocalRoute[];
  cors?: LocalCors;
  invoke: (functionLogicalId: string, event: unknown) => Promise<unknown>;
  verifyToken: TokenVerifier;
  /** Receives one line per request: method, path, status, duration. */
  log?: (line: string) => void;
}

export interface ApiGateway {
  url: string;
  stop(): Promise<void>;
}

interface Response {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

function gatewayError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

interface CompiledRoute {
  route: LocalRoute;
  method: string;
  segments: string[];
}

interface RouteMatch {
  route: LocalRoute;
  pathParameters: Record<string, string> | undefined;
}

function compile(route: LocalRoute): CompiledRoute {
  if (route.routeKey === '$default') return { route, method: '$default', segments: [] };
  const [method = '', path = ''] = route.routeKey.split(' ');
  return { route, method, segments: path.split('/').slice(1) };
}

/** Literal segments beat `{param}`, which beats `{proxy+}`; a named method beats ANY. */
function specificity(compiled: CompiledRoute): number[] {
  return [
    ...compiled.segments.map((segment) =>
      segment.endsWith('+}') ? 0 : segment.startsWith('{') ? 1 : 2,
    ),
    compiled.method === 'ANY' ? 0 : 1,
  ];
}

function compareSpecificity(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const difference = (b[i] ?? -1) - (a[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

function matchPath(segments: string[], pathSegments: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    const actual = pathSegments[i];
    if (segment.startsWith('{') && segment.endsWith('+}')) {
      const rest = pathSegments.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      parameters[segment.slice(1, -2)] = decode(rest.join('/'));
      return parameters;
    }
    if (actual === undefined) return undefined;
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (actual === '') return undefined;
      parameters[segment.slice(1, -1)] = decode(actual);
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return segments.length === pathSegments.length ? parameters : undefined;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Selects the route like an HTTP API: the most specific match, else `$default`. */
export function createRouter(
  routes: LocalRoute[],
): (method: string, path: string) => RouteMatch | undefined {
  const compiled = routes
    .map(compile)
    .sort((a, b) => compareSpecificity(specificity(a), specificity(b)));
  const fallback = compiled.find((route) => route.method === '$default');
  return (method, path) => {
    const pathSegments = path.split('/').slice(1);
    for (const candidate of compiled) {
      if (candidate.method === '$default') continue;
      if (candidate.method !== method && candidate.method !== 'ANY') continue;
      const parameters = matchPath(candidate.segments, pathSegments);
      if (parameters) {
        return {
          route: candidate.route,
          pathParameters: Object.keys(parameters).length > 0 ? parameters : undefined,
        };
      }
    }
    return fallback ? { route: fallback.route, pathParameters: undefined } : undefined;
  };
}

const TEXT_CONTENT =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|.*\+(json|xml))/i;

/** Headers as API Gateway passes them: lowercase names, repeated values joined by commas. */
function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    const value = request.rawHeaders[i + 1] ?? '';
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return headers;
}

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
function clfTime(date: Date): string {
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** The HTTP API passes claims as strings; arrays become `[a b]`. */
function flattenClaims(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      Array.isArray(value)
        ? `[${value.join(' ')}]`
        : typeof value === 'object' && value !== null
          ? JSON.stringify(value)
          : String(value),
    ]),
  );
}

function tokenFrom(
  identitySource: string[],
  headers: Record<string, string>,
  query: URLSearchParams,
): string | undefined {
  for (const source of identitySource.length > 0
    ? identitySource
    : ['$request.header.Authorization']) {
    const header = /^\$request\.header\.(.+)$/.exec(source)?.[1];
    const parameter = /^\$request\.querystring\.(.+)$/.exec(source)?.[1];
    const value = header
      ? headers[header.toLowerCase()]
      : parameter
        ? query.get(parameter)
        : undefined;
    if (value) return value.replace(/^Bearer\s+/i, '').trim() || undefined;
  }
  return undefined;
}

/** Maps a payload 2.0 function result to an HTTP response like API Gateway does. */
export function responseFromResult(result: unknown): Response {
  const isStructured =
    typeof result === 'object' &&
    result !== null &&
    !Array.isArray(result) &&
    'statusCode' in result;
  if (!isStructured) {
    // A result without statusCode is the body of a 200 JSON response.
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body),
    };
  }
  const { statusCode, headers, cookies, body, isBase64Encoded } = result as Record<string, unknown>;
  const status = Number(statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return gatewayError(500, 'Internal Server Error');
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return gatewayError(500, 'Internal Server Error');
  }
  return {
    status,
    headers: Object.fromEntries(
      Object.entries((headers as Record<string, unknown> | undefined) ?? {}).map(
        ([name, value]) => [name.toLowerCase(), String(value)],
      ),
    ),
    cookies: Array.isArray(cookies) ? cookies.map(String) : [],
    body: Buffer.from(body ?? '', isBase64Encoded === true ? 'base64' : 'utf8'),
  };
}

function corsOriginAllowed(cors: LocalCors, origin: string): boolean {
  return cors.allowOrigins.includes('*') || cors.allowOrigins.includes(origin);
}

function corsHeaders(cors: LocalCors, origin: string): Record<string, string> {
  return {
    'access-control-allow-origin':
      cors.allowOrigins.includes('*') && !cors.allowCredentials ? '*' : origin,
    ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
    ...(cors.exposeHeaders.length
      ? { 'access-control-expose-headers': cors.exposeHeaders.join(',') }
      : {}),
  };
}

export async function startApiGateway(options: ApiGatewayOptions): Promise<ApiGateway> {
  const route = createRouter(options.routes);
  const apiId = options.apiId ?? 'local';

  async function handle(request: IncomingMessage, requestId: string): Promise<Response> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const headers = headersOf(request);
    const origin = headers.origin;
    const cors = options.cors;

    if (cors && origin && method === 'OPTIONS' && headers['access-control-request-method']) {
      // With CORS configured, API Gateway answers preflight requests itself.
      if (!corsOriginAllowed(cors, origin))
        return { status: 204, headers: {}, cookies: [], body: Buffer.alloc(0) };
      return {
        status: 204,
        headers: {
          ...corsHeaders(cors, origin),
          'access-control-allow-methods': cors.allowMethods.join(','),
          ...(cors.allowHeaders.length
            ? { 'access-control-allow-headers': cors.allowHeaders.join(',') }
            : {}),
          ...(cors.maxAgeSeconds === undefined
            ? {}
            : { 'access-control-max-age': String(cors.maxAgeSeconds) }),
        },
        cookies: [],
        body: Buffer.alloc(0),
      };
    }

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) return gatewayError(413, 'Request Entity Too Large');
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);

    const match = route(method, url.pathname);
    if (!match) return gatewayError(404, 'Not Found');

    let authorizer:
      | { jwt: { claims: Record<string, string>; scopes: string[] | null } }
      | undefined;
    const jwtAuthorizer = match.route.authorizer;
    if (jwtAuthorizer) {
      const token = tokenFrom(jwtAuthorizer.identitySource, headers, url.searchParams);
      if (!token) return gatewayError(401, 'Unauthorized');
      let claims: Record<string, unknown>;
      try {
        claims = await options.verifyToken(token, jwtAuthorizer);
      } catch (error) {
        if (!(error instanceof InvalidTokenError)) throw error;
        return gatewayError(401, 'Unauthorized', {
          'www-authenticate': `Bearer error="invalid_token" error_description="${error.message}"`,
        });
      }
      const tokenScopes = String(claims.scope ?? claims.scp ?? '')
        .split(' ')
        .filter(Boolean);
      const required = match.route.authorizationScopes;
      if (required.length > 0 && !required.some((scope) => tokenScopes.includes(scope))) {
        return gatewayError(403, 'Forbidden', {
          'www-authenticate': `Bearer scope="${required.join(' ')}" error="insufficient_scope" error_description="expected scopes: [${required.join(' ')}]"`,
        });
      }
      authorizer = {
        jwt: { claims: flattenClaims(claims), scopes: required.length > 0 ? tokenScopes : null },
      };
    }

    const now = new Date();
    const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const eventHeaders: Record<string, string> = {
      ...headers,
      'x-forwarded-for': headers['x-forwarded-for']
        ? `${headers['x-forwarded-for']}, ${sourceIp}`
        : sourceIp,
      'x-forwarded-proto': 'http',
      'x-forwarded-port': String(request.socket.localPort ?? ''),
      'x-amzn-trace-id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    };
    // Cookies travel in their own field, not among the headers.
    const cookie = eventHeaders.cookie;
    delete eventHeaders.cookie;
    const rawQueryString = url.search.replace(/^\?/, '');
    const queryStringParameters: Record<string, string> = {};
    for (const [name, value] of url.searchParams) {
      queryStringParameters[name] =
        queryStringParameters[name] === undefined
          ? value
          : `${queryStringParameters[name]},${value}`;
    }
    const isText = TEXT_CONTENT.test(headers['content-type'] ?? '');
    const host = (headers.host ?? 'localhost').replace(/:\d+$/, '');
    const event = {
      version: '2.0',
      routeKey: match.route.routeKey,
      rawPath: url.pathname,
      rawQueryString,
      ...(cookie ? { cookies: cookie.split(/;\s*/).filter(Boolean) } : {}),
      headers: eventHeaders,
      ...(rawQueryString ? { queryStringParameters } : {}),
      requestContext: {
        accountId: LOCAL_ACCOUNT_ID,
        apiId,
        ...(authorizer ? { authorizer } : {}),
        domainName: host,
        domainPrefix: host.split('.')[0] ?? host,
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp,
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: match.route.routeKey,
        stage: '$default',
        time: clfTime(now),
        timeEpoch: now.getTime(),
      },
      ...(match.pathParameters ? { pathParameters: match.pathParameters } : {}),
      ...(body.length > 0 ? { body: body.toString(isText ? 'utf8' : 'base64') } : {}),
      isBase64Encoded: body.length > 0 && !isText,
    };

    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        options.invoke(match.route.functionLogicalId, event),
        new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), INTEGRATION_TIMEOUT_MS);
        }),
      ]);
      if (result === TIMED_OUT) return gatewayError(503, 'Service Unavailable');
      return responseFromResult(result);
    } catch (error) {
      if (
        error instanceof LambdaInvocationError &&
        error.errorType === 'RequestEntityTooLargeException'
      ) {
        return gatewayError(413, 'Request Entity Too Large');
      }
      options.log?.(`${match.route.functionLogicalId} failed: ${(error as Error).message}`);
      return gatewayError(500, 'Internal Server Error');
    } finally {
      clearTimeout(timer);
    }
  }

  const server = createServer((request, response: ServerResponse) => {
    const started = performance.now();
    const requestId = randomBytes(10).toString('base64');
    handle(request, requestId)
      .catch((error: unknown) => {
        options.log?.(`internal error: ${(error as Error).stack ?? String(error)}`);
        return gatewayError(500, 'Internal Server Error');
      })
      .then((result) => {
        const origin = request.headers.origin;
        const cors =
          options.cors && origin && corsOriginAllowed(options.cors, origin)
            ? corsHeaders(options.cors, origin)
            : {};
        response.writeHead(result.status, {
          ...result.headers,
          ...cors,
          ...(result.cookies.length ? { 'set-cookie': result.cookies } : {}),
          'content-length': String(result.body.length),
          'apigw-requestid': requestId,
        });
        response.end(result.body);
        const ms = Math.round(performance.now() - started);
        options.log?.(`${request.method} ${request.url} ${result.status} ${ms}ms`);
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const TIMED_OUT = Symbol('integration timeout');
