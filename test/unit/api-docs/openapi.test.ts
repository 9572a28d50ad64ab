import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../functions/api-docs/openapi-document';
import { APPROVAL_ROUTES } from '../../../functions/change/approval-routes';
import { CHANGE_API_ROUTES } from '../../../functions/change/routes';
import { CMDB_ROUTES } from '../../../functions/cmdb/routes';
import { INCIDENT_ROUTES } from '../../../functions/incident/routes';
import { PROBLEM_ROUTES } from '../../../functions/problem/routes';

const COMPONENT_REF = '#/components/schemas/';

/** Every `$ref` in a JSON value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === '$ref' && typeof item === 'string' ? [item] : refsIn(item),
  );
}

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument();
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      route: `${method.toUpperCase()} ${path}`,
      path,
      operation,
    })),
  );

  it('is OpenAPI 3.1 and documents every route the API serves behind its authorizer', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(operations.map((entry) => entry.route).sort()).toEqual(
      [
        ...INCIDENT_ROUTES,
        ...PROBLEM_ROUTES,
        ...CHANGE_API_ROUTES,
        ...APPROVAL_ROUTES,
        ...CMDB_ROUTES,
      ].sort(),
    );
    expect(document.components.securitySchemes?.jwt).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const { operation } of operations) expect(operation.security).toEqual([{ jwt: [] }]);
  });

  it('describes bodies and errors with named schemas', () => {
    const schemas = Object.keys(document.components.schemas);
    for (const name of [
      'Incident',
      'CreateIncidentRequest',
      'PatchIncidentRequest',
      'TransitionRequest',
      'ProblemDetails',
    ]) {
      expect(schemas).toContain(name);
    }
    const create = document.paths['/incidents']?.post;
    expect(Object.keys(create?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '422']),
    );
    expect(create?.requestBody?.content['application/json']?.schema).toEqual({
      $ref: `${COMPONENT_REF}CreateIncidentRequest`,
    });
    expect(create?.responses['201']?.content?.['application/json']?.schema).toEqual({
      $ref: `${COMPONENT_REF}Incident`,
    });
    expect(create?.responses['201']?.headers?.Location).toEqual({
      description: 'URL of the incident',
      schema: { type: 'string' },
    });
    expect(create?.responses['400']).toEqual({
      description: expect.any(String),
      content: {
        'application/problem+json': { schema: { $ref: `${COMPONENT_REF}ProblemDetails` } },
      },
    });
  });

  it('keeps each named schema once, in components, and refers to it from paths and schemas', () => {
    const incident = document.components.schemas.Incident;
    expect(incident?.type).toBe('object');
    expect(incident).not.toHaveProperty('id');
    expect(incident).not.toHaveProperty('$id');
    expect(incident).not.toHaveProperty('$schema');
    // the page of incidents refers to the incident rather than repeating it
    expect(refsIn(document.components.schemas.IncidentList)).toContain(`${COMPONENT_REF}Incident`);
    // no copy of the incident's body anywhere but its component
    const body = JSON.stringify(incident);
    const copies = JSON.stringify(document).split(body).length - 1;
    expect(copies).toBe(1);
  });

  it('leaves no dangling or synthetic references', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.startsWith(COMPONENT_REF)).toBe(true);
      expect(Object.keys(document.components.schemas)).toContain(ref.slice(COMPONENT_REF.length));
    }
    const text = JSON.stringify(document);
    expect(text).not.toContain('$defs');
    expect(text).not.toContain('__shared');
    expect(text).not.toContain('__openapi_inline');
  });

  it('documents path, query and header parameters one by one', () => {
    const list = document.paths['/incidents']?.get?.parameters ?? [];
    const limit = list.find((parameter) => parameter.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { default: 25 } });
    expect(list.find((parameter) => parameter.name === 'state')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'string', enum: expect.arrayContaining(['New', 'Resolved']) },
    });
    for (const parameter of list) expect(parameter.in).toBe('query');

    const patch = document.paths['/incidents/{id}']?.patch?.parameters ?? [];
    expect(patch.map(({ name, in: location, required }) => [name, location, required])).toEqual([
      ['id', 'path', true],
      ['If-Match', 'header', true],
    ]);
    const create = document.paths['/incidents']?.post?.parameters ?? [];
    expect(create).toEqual([
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      },
    ]);
  });

  it('gives every path template variable a required path parameter', () => {
    for (const { path, route, operation } of operations) {
      const variables = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      const documented = (operation.parameters ?? []).filter((p) => p.in === 'path');
      expect(documented.map((p) => p.name).sort(), route).toEqual(variables);
      for (const parameter of documented) expect(parameter.required, route).toBe(true);
    }
  });

  it('keeps read-only fields out of the create request', () => {
    const create = document.components.schemas.CreateIncidentRequest;
    expect(Object.keys(create?.properties ?? {})).not.toContain('priority');
    expect(Object.keys(create?.properties ?? {})).not.toContain('number');
    expect(create?.additionalProperties).toBe(false);
  });
});
