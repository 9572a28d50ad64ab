import { createHttpHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/responses';
import type { API_DOCS_ROUTES } from '../incident/routes';
import { buildOpenApiDocument } from './openapi-document';

let document: ReturnType<typeof buildOpenApiDocument> | undefined;

/** Serves the OpenAPI document, generated on the first request of an execution environment. */
export const handler = createHttpHandler<(typeof API_DOCS_ROUTES)[number]>(
  {
    'GET /openapi.json': async () => {
      document ??= buildOpenApiDocument();
      return json(200, document, { 'cache-control': 'public, max-age=300' });
    },
  },
  { authenticated: false },
);
