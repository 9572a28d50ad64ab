import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export class InvalidRouteKeyError extends Error {
  override readonly name = 'InvalidRouteKeyError';
}

export interface ItsmHttpApiProps {
  readonly stage: string;
  /** Issuer of the accepted JWTs: the user pool's provider URL. */
  readonly issuerUrl: string;
  /** Client ids whose tokens are accepted (`aud` of ID tokens, `client_id` of access tokens). */
  readonly audiences: readonly string[];
}

/** HTTP API access log line; the variables are those HTTP APIs support. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    principal: '$context.authorizer.claims.sub',
  }),
);

/**
 * The public HTTP API: one default stage with access logs and throttling, and a JWT
 * authorizer that accepts the user pool's tokens. Process areas add their routes with
 * `addRoutes`; authorization beyond "a valid token" (roles, scopes) is the handlers' job.
 */
export class ItsmHttpApi extends Construct {
  readonly httpApi: HttpApi;
  readonly defaultStage: HttpStage;
  private readonly authorizer: HttpJwtAuthorizer;

  constructor(scope: Construct, id: string, props: ItsmHttpApiProps) {
    super(scope, id);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `itsm-${props.stage}`,
      // Created below, because the default one cannot have access logs.
      createDefaultStage: false,
      corsPreflight: {
        // Bearer tokens, not cookies, authenticate requests, so any origin may call.
        allowOrigins: ['*'],
        allowMethods: [
          CorsHttpMethod.GET,
          CorsHttpMethod.POST,
          CorsHttpMethod.PATCH,
          CorsHttpMethod.DELETE,
          CorsHttpMethod.OPTIONS,
        ],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'if-match'],
        exposeHeaders: ['etag', 'location'],
        maxAge: Duration.days(1),
      },
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.defaultStage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
      throttle: { rateLimit: 100, burstLimit: 200 },
    });

    this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.issuerUrl, {
      jwtAudience: [...props.audiences],
    });
  }

  /** Base URL of the default stage. */
  get url(): string {
    return this.defaultStage.url;
  }

  /** Routes each `METHOD /path` key to `handler` behind the JWT authorizer. */
  addAuthenticatedRoutes(routeKeys: readonly string[], handler: IFunction): void {
    this.addRoutes(routeKeys, handler, this.authorizer);
  }

  /** Routes each `METHOD /path` key to `handler` without any authorizer, for `reason`. */
  addPublicRoutes(routeKeys: readonly string[], handler: IFunction, reason: string): void {
    for (const route of this.addRoutes(routeKeys, handler, undefined)) {
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    }
  }

  private addRoutes(
    routeKeys: readonly string[],
    handler: IFunction,
    authorizer: HttpJwtAuthorizer | undefined,
  ): HttpRoute[] {
    const integration = new HttpLambdaIntegration(
      `${Names.nodeUniqueId(handler.node)}Integration`,
      handler,
    );
    return routeKeys.flatMap((routeKey) => {
      const { method, path } = parseRouteKey(routeKey);
      return this.httpApi.addRoutes({
        path,
        methods: [method],
        integration,
        ...(authorizer ? { authorizer } : {}),
      });
    });
  }
}

function parseRouteKey(routeKey: string): { method: HttpMethod; path: string } {
  const [method, path, ...rest] = routeKey.split(' ');
  const httpMethod = Object.values(HttpMethod).find((candidate) => candidate === method);
  if (!httpMethod || !path?.startsWith('/') || rest.length > 0) {
    throw new InvalidRouteKeyError(`Not a route key of the form "METHOD /path": ${routeKey}`);
  }
  return { method: httpMethod, path };
}
