import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { describe, expect, it } from 'vitest';
import { registerApprovalApi } from '../../../functions/change/approval-openapi';
import { APPROVAL_ROUTES } from '../../../functions/change/approval-routes';

describe('the approvals API in the OpenAPI document', () => {
  const registry = new OpenAPIRegistry();
  registerApprovalApi(registry);
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'approvals', version: '1' },
  });

  it('documents every route the approvals API serves, behind the JWT', () => {
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item ?? {}).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path}`,
        security: (operation as { security?: unknown }).security,
      })),
    );
    expect(documented.map((entry) => entry.route).sort()).toEqual([...APPROVAL_ROUTES].sort());
    for (const entry of documented) expect(entry.security).toEqual([{ jwt: [] }]);
  });

  it('describes the vote, its refusals and the approvals with named schemas', () => {
    const vote = document.paths?.['/changes/{id}/approvals/{approvalId}']?.post;
    expect(Object.keys(vote?.responses ?? {}).sort()).toEqual(
      ['200', '400', '401', '403', '404', '409'].sort(),
    );
    expect(vote?.responses?.['403']).toMatchObject({
      content: { 'application/problem+json': expect.anything() },
    });
    const schemas = document.components?.schemas ?? {};
    for (const name of ['ChangeApprovals', 'Approval', 'VoteRequest', 'ApprovalDelegation']) {
      expect(Object.keys(schemas)).toContain(name);
    }
    expect((schemas.VoteRequest as { additionalProperties?: unknown }).additionalProperties).toBe(
      false,
    );
  });
});
