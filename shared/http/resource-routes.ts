import type { Principal } from '../auth';
import type { RequestContext } from '../request-context';
import { validationErrorFrom } from '../validation';
import type * as z from '../zod';
import { decodeCursor } from './cursor';
import { type ApiRequest, contextOf, type RouteHandler } from './handler';
import { header, idempotencyKey, parseJsonBody, parseQuery, requireIfMatch } from './request';
import { createdHeaders, cursorPage, json, versioned } from './responses';

/**
 * The route adapters every versioned resource shares (incidents, problems, changes, change
 * templates, CIs): parse and validate the request, call the one use case, map its result.
 * What differs between resources is their schemas and use cases, which they pass in.
 */

/** Path parameters arrive URL-decoded from API Gateway; an invalid one is a 400 on its name. */
export function pathParameters<S extends z.ZodMiniType>(
  request: ApiRequest,
  schema: S,
): z.output<S> {
  const parsed = schema.safeParse(request.pathParameters);
  if (!parsed.success) throw validationErrorFrom(parsed.error, 'path');
  return parsed.data;
}

interface Versioned {
  id: string;
  version: number;
}

/** How a write checks the version it read against the client's ETag. */
export type VersionCheck = (current: Versioned) => void;

/** If-Match is required: a write without it is a 428, with a stale ETag a 412. */
export const ifMatchOf =
  (request: ApiRequest): VersionCheck =>
  (current) => {
    requireIfMatch(request.event, current.id, current.version);
  };

/** If-Match when the client sends it: transitions may go without one. */
export const optionalIfMatchOf = (request: ApiRequest): VersionCheck | undefined =>
  header(request.event, 'if-match') ? ifMatchOf(request) : undefined;

/**
 * `POST /things` with Idempotency-Key: 201 with the resource and its location, and its ETag
 * when it is versioned (blackout windows and delegations are not). The use case answers
 * `{ <name>: resource, replayed }`.
 */
export function createRoute<Body extends z.ZodMiniType, Name extends string>(options: {
  body: Body;
  schema: z.ZodMiniType;
  path: string;
  name: Name;
  create: (
    input: z.output<Body>,
    ctx: RequestContext,
    idempotencyKey: string | undefined,
  ) => Promise<{ replayed: boolean } & Record<Name, { id: string; version?: number }>>;
}): RouteHandler {
  return async (request) => {
    const input = parseJsonBody(request.event, options.body);
    const result = await options.create(input, contextOf(request), idempotencyKey(request.event));
    const resource = result[options.name];
    const headers = createdHeaders(`${options.path}/${resource.id}`, result.replayed);
    const { version } = resource;
    return version === undefined
      ? json(201, options.schema.parse(resource), headers)
      : versioned(201, options.schema, { ...resource, id: resource.id, version }, headers);
  };
}

/**
 * `POST /things/{id}/comments` with Idempotency-Key: 201 with the comment (the use case's
 * commentOnce), located at the thing's comment list.
 */
export function commentRoute<Body extends z.ZodMiniType>(options: {
  id: (request: ApiRequest) => string;
  body: Body;
  path: string;
  add: (
    id: string,
    input: z.output<Body>,
    ctx: RequestContext,
    idempotencyKey: string | undefined,
  ) => Promise<{ comment: unknown; replayed: boolean }>;
}): RouteHandler {
  return async (request) => {
    const id = options.id(request);
    const input = parseJsonBody(request.event, options.body);
    const { comment, replayed } = await options.add(
      id,
      input,
      contextOf(request),
      idempotencyKey(request.event),
    );
    return json(201, comment, createdHeaders(`${options.path}/${id}/comments`, replayed));
  };
}

/** `GET /things`: filters and page from the query; the next cursor is bound to the filters. */
export function listRoute<
  Query extends z.ZodMiniType<{ cursor?: string; limit: number }>,
>(options: {
  query: Query;
  schema: z.ZodMiniType;
  list: (
    query: Omit<z.output<Query>, 'cursor'> & { cursor: string | null },
    principal: Principal,
  ) => Promise<{ items: unknown[]; cursor: string | null }>;
}): RouteHandler {
  return async (request) => {
    const { cursor, limit, ...filters } = parseQuery(request.event, options.query);
    const page = await options.list(
      { ...filters, limit, cursor: decodeCursor(cursor, filters) } as Omit<
        z.output<Query>,
        'cursor'
      > & { cursor: string | null },
      request.principal,
    );
    return cursorPage(options.schema, page, filters);
  };
}

/** `GET /things/{id}`: the resource with its ETag. */
export function getRoute(options: {
  id: (request: ApiRequest) => string;
  schema: z.ZodMiniType;
  get: (id: string, principal: Principal) => Promise<Versioned>;
}): RouteHandler {
  return async (request) =>
    versioned(200, options.schema, await options.get(options.id(request), request.principal));
}

/** `PATCH /things/{id}`, which must send If-Match. */
export function patchRoute<Body extends z.ZodMiniType>(options: {
  id: (request: ApiRequest) => string;
  body: Body;
  schema: z.ZodMiniType;
  update: (
    id: string,
    patch: z.output<Body>,
    ctx: RequestContext,
    checkVersion: VersionCheck,
  ) => Promise<Versioned>;
}): RouteHandler {
  return async (request) => {
    const id = options.id(request);
    const patch = parseJsonBody(request.event, options.body);
    const updated = await options.update(id, patch, contextOf(request), ifMatchOf(request));
    return versioned(200, options.schema, updated);
  };
}

/** `POST /things/{id}/transitions`: an action, checked against If-Match when sent. */
export function transitionRoute<Body extends z.ZodMiniType>(options: {
  id: (request: ApiRequest) => string;
  body: Body;
  schema: z.ZodMiniType;
  transition: (
    id: string,
    command: z.output<Body>,
    ctx: RequestContext,
    checkVersion: VersionCheck | undefined,
  ) => Promise<Versioned>;
}): RouteHandler {
  return async (request) => {
    const id = options.id(request);
    const command = parseJsonBody(request.event, options.body);
    const moved = await options.transition(
      id,
      command,
      contextOf(request),
      optionalIfMatchOf(request),
    );
    return versioned(200, options.schema, moved);
  };
}
