import { generateOpenApiDocument, OpenApiRegistry } from '../../shared/http/openapi';
import { registerApprovalApi } from '../change/approval-openapi';
import { registerChangeApi } from '../change/openapi';
import { registerCmdbApi } from '../cmdb/openapi';
import { registerIncidentApi } from '../incident/openapi';
import { registerProblemApi } from '../problem/openapi';

/** The OpenAPI 3.1 document of the whole API, generated from the zod schemas of each area. */
export function buildOpenApiDocument() {
  const registry = new OpenApiRegistry();
  registry.registerComponent('securitySchemes', 'jwt', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'An access token from the Cognito user pool: people by group (requester, agent, admin), machine clients by scope (itsm/incidents.read and .write, itsm/problems.read and .write, itsm/changes.read and .write, itsm/cmdb.read and .write).',
  });
  registerIncidentApi(registry);
  registerProblemApi(registry);
  registerChangeApi(registry);
  registerApprovalApi(registry);
  registerCmdbApi(registry);
  return generateOpenApiDocument(registry, {
    info: {
      title: 'ITSM backend API',
      version: '1.0.0',
      description:
        'API-first service desk: incidents, problems, changes and the CMDB (more process areas follow). Errors are application/problem+json.',
    },
  });
}
