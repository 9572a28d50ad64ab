import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { type Principal, principalFromClaims } from '../auth';
import { measureCapacity } from '../db/capacity';
import { HttpError, NotFoundError } from '../errors';
import { logger, metrics } from '../observability/powertools';
import type { RequestContext } from '../request-context';
import type * as z from '../zod';
import { asCursorRefusal, decodeCursor } from './cursor';
import { problemResponse } from './problem';
import { parseQuery } from './request';
import { cursorPage, type HttpResponse } from './responses';
import { PageQuerySchema } from './schemas';

export interface ApiRequest {
  event: APIGatewayProxyEventV2WithJWTAuthorizer;
  principal: Principal;
  /** The request time, used for every timestamp the request writes. */
  now: string;
  correlationId: string;
  pathParameters: Record<string, string | undefined>;
}

export type RouteHandler = (request: ApiRequest) => Promise<HttpResponse>;

/** What a use case needs of the request. */
export function contextOf(request: ApiRequest): RequestContext {
  return { principal: request.principal, now: request.now, correlationId: request.correlationId };
}

/** Response header telling a client what the request cost in DynamoDB request units. */
export const CONSUMED_CAPACITY_HEADER = 'x-consumed-capacity';

/**
 * Builds a Lambda handler for HTTP API routes. API Gateway has already matched the route
 * (event.routeKey), so dispatch is a lookup in `routes`, whose keys are the same route keys
 * the CDK stack declares. Every response, including errors, goes through one mapper.
 */
export function createHttpHandler<RouteKey extends string>(
  routes: Record<RouteKey, RouteHandler>,
  options: { authenticated?: boolean } = {},
) {
  const authenticated = options.authenticated ?? true;
  const dispatch = async (
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
    context: Context,
  ): Promise<HttpResponse> => {
    const instance = event.rawPath;
    try {
      const route = routes[event.routeKey as RouteKey];
      if (!route) throw new NotFoundError(`No route ${event.routeKey}.`);
      const principal = authenticated
        ? principalFromClaims(event.requestContext?.authorizer?.jwt?.claims)
        : { id: 'anonymous', kind: 'client' as const, role: undefined, scopes: new Set<string>() };
      const correlationId =
        event.headers?.['x-correlation-id'] ??
        event.requestContext?.requestId ??
        context.awsRequestId;
      const { result, usage } = await measureCapacity(() =>
        route({
          event,
          principal,
          now: new Date().toISOString(),
          correlationId,
          pathParameters: event.pathParameters ?? {},
        }),
      );
      metrics.addMetric('ConsumedReadUnits', MetricUnit.Count, usage.readUnits);
      metrics.addMetric('ConsumedWriteUnits', MetricUnit.Count, usage.writeUnits);
      result.headers = {
        ...result.headers,
        [CONSUMED_CAPACITY_HEADER]: `read=${usage.readUnits}; write=${usage.writeUnits}; transactional-write=${usage.transactionalWriteUnits}`,
      };
      return result;
    } catch (thrown) {
      const error = asCursorRefusal(thrown) ?? thrown;
      if (error instanceof HttpError && error.status < 500) {
        logger.info('request refused', {
          status: error.status,
          type: error.type,
          detail: error.message,
        });
      } else {
        logger.error('request failed', error as Error);
      }
      return problemResponse(error, instance);
    }
  };
  return middy(dispatch).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/**
 * A route listing something of one resource (comments, history, links). Its cursors are bound
 * to the resource and the list, so one cannot be replayed against another.
 */
export function pageOfResource<T>(
  resourceId: (request: ApiRequest) => string,
  list: string,
  load: (
    id: string,
    page: { limit: number; cursor: string | null },
    principal: Principal,
  ) => Promise<{ items: T[]; cursor: string | null }>,
  schema: z.ZodMiniType,
): RouteHandler {
  return async (request) => {
    const id = resourceId(request);
    const scope = { id, list };
    const query = parseQuery(request.event, PageQuerySchema);
    const page = await load(
      id,
      { limit: query.limit, cursor: decodeCursor(query.cursor, scope) },
      request.principal,
    );
    return cursorPage(schema, page, scope);
  };
}
