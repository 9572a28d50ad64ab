import * as z from '../zod';

/*
 * The OpenAPI 3.1 generator is our own because @asteasolutions/zod-to-openapi does not support
 * zod mini (it needs classic schemas, and calls methods mini schemas lack). zod's own
 * `z.toJSONSchema` does all the schema work; this file only collects the documented routes and
 * assembles paths, parameters and components around the JSON Schemas it returns.
 */

type Schema = z.core.$ZodType;
type ObjectSchema = z.core.$ZodObject;
export type JsonSchema = z.core.JSONSchema.JSONSchema;

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

/** A media type whose schema is a zod schema. */
export interface ZodMediaType {
  schema: Schema;
}

export interface ResponseHeader {
  description?: string;
  schema: JsonSchema;
}

export interface ResponseDocumentation {
  description: string;
  content?: Record<string, ZodMediaType>;
  headers?: Record<string, ResponseHeader>;
}

export interface RequestBodyDocumentation {
  description?: string;
  content: Record<string, ZodMediaType>;
  required?: boolean;
}

/** What a route documents besides its method and path; params, query and headers are objects. */
export interface RouteDocumentation {
  summary?: string;
  description?: string;
  operationId?: string;
  deprecated?: boolean;
  request?: {
    params?: ObjectSchema;
    query?: ObjectSchema;
    headers?: ObjectSchema;
    body?: RequestBodyDocumentation;
  };
  responses: Record<number | string, ResponseDocumentation>;
}

export type SecurityRequirement = Record<string, string[]>;

export interface RouteConfig extends RouteDocumentation {
  method: HttpMethod;
  path: string;
  tags?: string[];
  security?: SecurityRequirement[];
}

export type SecurityScheme =
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; name: string; in: 'query' | 'header' | 'cookie'; description?: string }
  | { type: 'oauth2'; flows: Record<string, unknown>; description?: string }
  | { type: 'openIdConnect'; openIdConnectUrl: string; description?: string };

// ---- the generated document ----

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiMediaType {
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  content?: Record<string, OpenApiMediaType>;
  headers?: Record<string, ResponseHeader>;
}

export interface OpenApiOperation {
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  deprecated?: boolean;
  security?: SecurityRequirement[];
  parameters?: OpenApiParameter[];
  requestBody?: {
    description?: string;
    content: Record<string, OpenApiMediaType>;
    required?: boolean;
  };
  responses: Record<string, OpenApiResponse>;
}

export type OpenApiPathItem = Partial<Record<HttpMethod, OpenApiOperation>>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  servers?: { url: string; description?: string }[];
  paths: Record<string, OpenApiPathItem>;
  components: {
    schemas: Record<string, JsonSchema>;
    securitySchemes?: Record<string, SecurityScheme>;
  };
}

/** Collects documented routes and security schemes, as each area registers them. */
export class OpenApiRegistry {
  readonly routes: RouteConfig[] = [];
  readonly securitySchemes: Record<string, SecurityScheme> = {};

  registerPath(route: RouteConfig): void {
    this.routes.push(route);
  }

  registerComponent(type: 'securitySchemes', name: string, scheme: SecurityScheme): void {
    if (type !== 'securitySchemes') throw new Error(`Unsupported component type ${type}`);
    this.securitySchemes[name] = scheme;
  }
}

const COMPONENT_REF = '#/components/schemas/';
/** How zod refers to the defs it extracts by itself (only recursive schemas without an id). */
const SHARED_REF = `${COMPONENT_REF}__shared#/$defs/`;
/** Ids of the wrappers around inline schemas; never seen outside this function. */
const INLINE_ID = '__openapi_inline_';

/**
 * Generates the OpenAPI 3.1 document. Every schema with an `id` in zod's global registry that a
 * route uses (directly or through another) becomes `components.schemas[id]`, referenced by
 * `$ref`; other schemas are inlined where they are used.
 */
export function generateOpenApiDocument(
  registry: OpenApiRegistry,
  config: Pick<OpenApiDocument, 'info' | 'servers'>,
): OpenApiDocument {
  // One registry holds every id'd schema (so each nested use becomes a $ref to its component)
  // and a wrapper `{ value }` around each inline schema a route uses. The inline schemas are not
  // registered themselves: id'd schemas reusing one would then refer to its synthetic id.
  const schemas = z.registry<{ id: string }>();
  for (const [id, schema] of z.globalRegistry._idmap) schemas.add(schema, { id });
  const inlineIds = new Map<Schema, string>();
  const use = (schema: Schema): string => {
    const id = z.globalRegistry.get(schema)?.id;
    if (id) return id;
    let inlineId = inlineIds.get(schema);
    if (!inlineId) {
      inlineId = `${INLINE_ID}${inlineIds.size}`;
      inlineIds.set(schema, inlineId);
      schemas.add(z.object({ value: schema }), { id: inlineId });
    }
    return inlineId;
  };
  const useContent = (content: Record<string, ZodMediaType> | undefined) => {
    for (const media of Object.values(content ?? {})) use(media.schema);
  };
  for (const route of registry.routes) {
    const { params, query, headers, body } = route.request ?? {};
    for (const object of [params, query, headers]) if (object) use(object);
    useContent(body?.content);
    for (const response of Object.values(route.responses)) useContent(response.content);
  }

  // io 'input' documents what clients send: a field with a default (a page `limit`) is optional,
  // and a transformed field shows what is accepted, not what the handler makes of it. Responses
  // are mostly plain, so reading them as inputs only relaxes `required` where they have defaults.
  const converted = z.toJSONSchema(schemas, {
    target: 'draft-2020-12',
    uri: (id) => `${COMPONENT_REF}${id}`,
    io: 'input',
    unrepresentable: 'any',
  }).schemas as Record<string, JsonSchema>;

  const all: Record<string, JsonSchema> = {};
  const inline = new Map<string, JsonSchema>();
  for (const [id, json] of Object.entries(converted)) {
    if (id === '__shared') {
      // Recursive schemas without an id land here; they become components of their own.
      for (const [defId, def] of Object.entries(json.$defs ?? {})) {
        if (defId in converted) throw new Error(`Shared definition ${defId} collides with an id`);
        all[defId] = def;
      }
      continue;
    }
    const { $schema: _schema, $id: _id, ...body } = json;
    if (body.id === id) delete body.id;
    if (id.startsWith(INLINE_ID)) {
      const value = (body.properties as Record<string, JsonSchema> | undefined)?.value;
      if (!value) throw new Error(`No schema generated for ${id}`);
      inline.set(id, value);
    } else {
      all[id] = body;
    }
  }
  fixSharedRefs(all);
  for (const value of inline.values()) fixSharedRefs(value);

  /** The JSON Schema of a route's schema: a $ref to its component, or the schema inline. */
  const jsonOf = (schema: Schema): JsonSchema => {
    const id = use(schema);
    return inline.get(id) ?? { $ref: `${COMPONENT_REF}${id}` };
  };
  const resolve = (json: JsonSchema): JsonSchema => {
    const ref = json.$ref;
    if (!ref?.startsWith(COMPONENT_REF)) return json;
    const target = all[ref.slice(COMPONENT_REF.length)];
    if (!target) throw new Error(`Dangling reference ${ref}`);
    return resolve(target);
  };
  const parameters = (
    object: ObjectSchema | undefined,
    location: OpenApiParameter['in'],
  ): OpenApiParameter[] => {
    if (!object) return [];
    const json = resolve(jsonOf(object));
    const required = new Set(json.required ?? []);
    return Object.entries(json.properties ?? {}).map(([name, property]) => {
      const { description, ...schema } = typeof property === 'boolean' ? {} : property;
      return {
        name,
        in: location,
        required: location === 'path' || required.has(name),
        schema,
        ...(description ? { description } : {}),
      };
    });
  };
  const content = (media: Record<string, ZodMediaType>) =>
    Object.fromEntries(
      Object.entries(media).map(([type, { schema }]) => [type, { schema: jsonOf(schema) }]),
    );

  const paths: Record<string, OpenApiPathItem> = {};
  for (const route of registry.routes) {
    const { method, path, request, responses, ...rest } = route;
    const found = [
      ...parameters(request?.params, 'path'),
      ...parameters(request?.query, 'query'),
      ...parameters(request?.headers, 'header'),
    ];
    const operation: OpenApiOperation = {
      ...rest,
      ...(found.length ? { parameters: found } : {}),
      ...(request?.body
        ? { requestBody: { ...request.body, content: content(request.body.content) } }
        : {}),
      responses: Object.fromEntries(
        Object.entries(responses).map(([status, { content: media, ...response }]) => [
          status,
          media ? { ...response, content: content(media) } : response,
        ]),
      ),
    };
    const item = paths[path] ?? {};
    paths[path] = item;
    if (item[method]) throw new Error(`${method.toUpperCase()} ${path} is documented twice`);
    item[method] = operation;
  }

  return {
    openapi: '3.1.0',
    ...config,
    paths,
    components: {
      schemas: reachable(paths, all),
      ...(Object.keys(registry.securitySchemes).length
        ? { securitySchemes: { ...registry.securitySchemes } }
        : {}),
    },
  };
}

/** Points the refs zod makes into its `__shared` defs at the components they became. */
function fixSharedRefs(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) fixSharedRefs(item);
  } else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const [key, item] of Object.entries(record)) {
      if (key === '$ref' && typeof item === 'string' && item.startsWith(SHARED_REF)) {
        // the rest is the def's key as a JSON Pointer segment, which it stays under components
        record.$ref = `${COMPONENT_REF}${item.slice(SHARED_REF.length)}`;
      } else {
        fixSharedRefs(item);
      }
    }
  }
}

/** The components the paths use, directly or through other components; in id order. */
function reachable(
  paths: Record<string, OpenApiPathItem>,
  all: Record<string, JsonSchema>,
): Record<string, JsonSchema> {
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key === '$ref' && typeof item === 'string' && item.startsWith(COMPONENT_REF)) {
          const id = item.slice(COMPONENT_REF.length);
          if (!(id in all)) throw new Error(`Dangling reference ${item}`);
          if (!used.has(id)) {
            used.add(id);
            visit(all[id]);
          }
        } else {
          visit(item);
        }
      }
    }
  };
  visit(paths);
  return Object.fromEntries([...used].sort().map((id) => [id, all[id] as JsonSchema] as const));
}

// ---- building blocks every process area uses ----

/**
 * Building blocks of the OpenAPI document that every process area uses: the problem+json
 * body, JSON responses and bodies, and route registration from a per-route-key table.
 */
export const ProblemDetailsSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.optional(z.string()),
    instance: z.optional(z.string()),
    errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
  })
  .check(z.meta({ id: 'ProblemDetails', description: 'RFC 9457 problem details' }));

export const problemResponse = (description: string): ResponseDocumentation => ({
  description,
  content: { 'application/problem+json': { schema: ProblemDetailsSchema } },
});

/** A JSON response; `headers` maps header names to their descriptions. */
export const jsonResponse = (
  description: string,
  schema: Schema,
  headers?: Record<string, string>,
): ResponseDocumentation => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers
    ? {
        headers: Object.fromEntries(
          Object.entries(headers).map(([name, text]) => [
            name,
            { description: text, schema: { type: 'string' as const } },
          ]),
        ),
      }
    : {}),
});

export const jsonBody = (schema: Schema): RequestBodyDocumentation => ({
  content: { 'application/json': { schema } },
  required: true,
});

/** Registers one documented path per route key (`METHOD /path`), all behind the JWT. */
export function registerRoutes(
  registry: OpenApiRegistry,
  tag: string,
  documentation: Record<string, RouteDocumentation>,
): void {
  for (const [routeKey, route] of Object.entries(documentation)) {
    const [method, path] = routeKey.split(' ') as [string, string];
    registry.registerPath({
      ...route,
      method: method.toLowerCase() as HttpMethod,
      path,
      tags: [tag],
      security: [{ jwt: [] }],
    });
  }
}
