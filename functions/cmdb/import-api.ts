import { contextOf, createHttpHandler } from '../../shared/http/handler';
import { parseJsonBody } from '../../shared/http/request';
import { json } from '../../shared/http/responses';
import type { CmdbImportRouteKey } from './routes';
import { ImportRequestSchema, ImportResultSchema } from './schemas';
import { importAwsConfigItems } from './use-cases';

/** `POST /cis/import`: AWS Config configuration items, one or an array (docs/cmdb.md). */
export const handler = createHttpHandler<CmdbImportRouteKey>({
  'POST /cis/import': async (request) => {
    const body = parseJsonBody(request.event, ImportRequestSchema);
    const items = await importAwsConfigItems(
      Array.isArray(body) ? body : [body],
      contextOf(request),
    );
    return json(200, ImportResultSchema.parse({ items }));
  },
});
