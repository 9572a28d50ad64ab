import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';

/**
 * Building blocks of the OpenAPI document that every process area uses: the problem+json
 * body, JSON responses and bodies, and route registration from a per-route-key table.
 */
export const ProblemDetailsSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .meta({ id: 'ProblemDetails', description: 'RFC 9457 problem details' });

export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemDetailsSchema } },
});

/** A JSON response; `headers` maps header names to their descriptions. */
export const jsonResponse = (
  description: string,
  schema: z.ZodType,
  headers?: Record<string, string>,
) => ({
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

export const jsonBody = (schema: z.ZodType) => ({
  content: { 'application/json': { schema } },
  required: true,
});

export type RouteDocumentation = Omit<RouteConfig, 'method' | 'path'>;

/** Registers one documented path per route key (`METHOD /path`), all behind the JWT. */
export function registerRoutes(
  registry: OpenAPIRegistry,
  tag: string,
  documentation: Record<string, RouteDocumentation>,
): void {
  for (const [routeKey, route] of Object.entries(documentation)) {
    const [method, path] = routeKey.split(' ') as [string, string];
    registry.registerPath({
      ...route,
      method: method.toLowerCase() as RouteConfig['method'],
      path,
      tags: [tag],
      security: [{ jwt: [] }],
    });
  }
}
