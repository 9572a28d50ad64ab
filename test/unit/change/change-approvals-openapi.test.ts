import { describe, expect, it } from 'vitest';
import { registerApprovalApi } from '../../../functions/change/approval-openapi';
import { APPROVAL_ROUTES } from '../../../functions/change/approval-routes';
import { generateOpenApiDocument, OpenApiRegistry } from '../../../shared/http/openapi';

describe('the approvals API in the OpenAPI document', () => {
  const registry = new OpenApiRegistry();
  registerApprovalApi(registry);
  const document = generateOpenApiDocument(registry, {
    info: { title: 'approvals', version: '1' },
  });

  it('documents every route the approvals API serves, behind the JWT', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path}`,
        security: operation.security,
      })),
    );
    expect(documented.map((entry) => entry.route).sort()).toEqual([...APPROVAL_ROUTES].sort());
    for (const entry of documented) expect(entry.security).toEqual([{ jwt: [] }]);
  });

  it('describes the vote, its refusals and the approvals with named schemas', () => {
    const vote = document.paths['/changes/{id}/approvals/{approvalId}']?.post;
    expect(Object.keys(vote?.responses ?? {}).sort()).toEqual(
      ['200', '400', '401', '403', '404', '409', '422'].sort(),
    );
    expect(vote?.responses['403']).toEqual({
      description: expect.any(String),
      content: {
        'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } },
      },
    });
    expect(vote?.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/VoteRequest' } } },
    });
    expect(vote?.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/ChangeApprovals',
    });
    expect(
      vote?.parameters?.map(({ name, in: location, required }) => [name, location, required]),
    ).toEqual([
      ['id', 'path', true],
      ['approvalId', 'path', true],
      ['Idempotency-Key', 'header', false],
    ]);
    const schemas = document.components.schemas;
    for (const name of ['ChangeApprovals', 'Approval', 'VoteRequest', 'ApprovalDelegation']) {
      expect(Object.keys(schemas)).toContain(name);
    }
    expect(schemas.VoteRequest?.additionalProperties).toBe(false);
  });
});
