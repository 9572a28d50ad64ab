import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../functions/api-docs/openapi-document';
import { APPROVAL_ROUTES } from '../../../functions/change/approval-routes';
import { CHANGE_API_ROUTES } from '../../../functions/change/routes';
import { CMDB_ROUTES } from '../../../functions/cmdb/routes';
import { INCIDENT_ROUTES } from '../../../functions/incident/routes';
import { PROBLEM_ROUTES } from '../../../functions/problem/routes';

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('is OpenAPI 3.1 and documents every route the API serves behind its authorizer', () => {
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      [
        ...INCIDENT_ROUTES,
        ...PROBLEM_ROUTES,
        ...CHANGE_API_ROUTES,
        ...APPROVAL_ROUTES,
        ...CMDB_ROUTES,
      ].sort(),
    );
  });

  it('describes bodies and errors with named schemas', () => {
    const schemas = Object.keys(document.components?.schemas ?? {});
    for (const name of [
      'Incident',
      'CreateIncidentRequest',
      'PatchIncidentRequest',
      'TransitionRequest',
      'ProblemDetails',
    ]) {
      expect(schemas).toContain(name);
    }
    const create = document.paths?.['/incidents']?.post;
    expect(Object.keys(create?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '422']),
    );
    expect(create?.responses?.['400']).toMatchObject({
      content: { 'application/problem+json': expect.anything() },
    });
  });

  it('keeps read-only fields out of the create request', () => {
    const create = document.components?.schemas?.CreateIncidentRequest as {
      properties?: Record<string, unknown>;
      additionalProperties?: unknown;
    };
    expect(Object.keys(create.properties ?? {})).not.toContain('priority');
    expect(Object.keys(create.properties ?? {})).not.toContain('number');
    expect(create.additionalProperties).toBe(false);
  });
});
