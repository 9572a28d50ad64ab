import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPROVAL_ROUTES } from '../../functions/change/approval-routes';
import { CHANGE_API_ROUTES } from '../../functions/change/routes';
import { CMDB_ROUTES } from '../../functions/cmdb/routes';
import { API_DOCS_ROUTES, INCIDENT_ROUTES } from '../../functions/incident/routes';
import { PROBLEM_ROUTES } from '../../functions/problem/routes';
import { InvalidDeploySettingsError } from '../../infra/settings';
import { RESOURCE_SERVER_ID, Roles, Scopes } from '../../shared/auth';
import { TABLE_INDEXES, TABLE_NAME_ENV } from '../../shared/db/table';
import { IncidentStateChanged } from '../../shared/events/catalog';
import { OUTBOX_STREAM_FILTER } from '../../shared/events/outbox';
import {
  deadLetterArnIn,
  producerOf,
  resourceNamed,
  SYNTH_TIMEOUT,
  type SynthesizedApp,
  synthesize,
  withCliContext,
} from './synth';

let synthesized: SynthesizedApp;
beforeAll(() => {
  synthesized = synthesize();
}, SYNTH_TIMEOUT);

function getAtt(logicalId: string, attribute: string) {
  return { 'Fn::GetAtt': [logicalId, attribute] };
}

function onlyLogicalId(type: string, from = synthesized.stateful): string {
  const ids = Object.keys(from.findResources(type));
  if (ids.length !== 1) throw new Error(`Expected one ${type}, found ${ids.length}`);
  return ids[0] as string;
}

/** Statements of the policy attached to the role whose logical id starts with `rolePrefix`. */
function statementsOfRole(rolePrefix: string) {
  const role = resourceNamed(synthesized.stateless, 'AWS::IAM::Role', rolePrefix);
  const policies = Object.values(synthesized.stateless.findResources('AWS::IAM::Policy')).filter(
    (policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: role.logicalId }),
      ),
  );
  return policies.flatMap(
    (policy) =>
      policy.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
      }[],
  );
}

function actionsOf(statements: { Action: string | string[] }[]): string[] {
  return statements.flatMap((statement) => statement.Action).sort();
}

describe('HTTP API', () => {
  it('routes every incident route to the incident API behind the JWT authorizer', () => {
    const { stateless } = synthesized;
    const authorizerId = onlyLogicalId('AWS::ApiGatewayV2::Authorizer', stateless);
    const apiFunction = resourceNamed(stateless, 'AWS::Lambda::Function', 'IncidentsApi');
    const integrations = stateless.findResources('AWS::ApiGatewayV2::Integration', {
      Properties: { IntegrationUri: getAtt(apiFunction.logicalId, 'Arn') },
    });
    const [integrationId] = Object.keys(integrations);

    for (const routeKey of INCIDENT_ROUTES) {
      stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
      });
    }
  });

  it('serves the API documentation without authorizer, and no other routes', () => {
    const { stateless } = synthesized;
    for (const routeKey of API_DOCS_ROUTES) {
      stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'NONE',
      });
    }
    stateless.resourceCountIs(
      'AWS::ApiGatewayV2::Route',
      INCIDENT_ROUTES.length +
        PROBLEM_ROUTES.length +
        CHANGE_API_ROUTES.length +
        APPROVAL_ROUTES.length +
        CMDB_ROUTES.length +
        API_DOCS_ROUTES.length,
    );
  });

  it('accepts tokens of the user pool issued to either client', () => {
    const { stateless } = synthesized;
    const userPoolId = onlyLogicalId('AWS::Cognito::UserPool', stateless);
    const clientIds = Object.keys(stateless.findResources('AWS::Cognito::UserPoolClient'));

    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: getAtt(userPoolId, 'ProviderURL'),
        Audience: clientIds.map((id) => ({ Ref: id })),
      },
    });
    expect(clientIds).toHaveLength(2);
  });

  it('logs access and throttles on the default stage', () => {
    const { stateless } = synthesized;
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }),
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
  });
});

describe('functions', () => {
  it('all run Node.js 24 on ARM with active tracing and a log group kept a month', () => {
    const { stateless } = synthesized;
    const functions = Object.values(stateless.findResources('AWS::Lambda::Function'));
    const logGroups = stateless.findResources('AWS::Logs::LogGroup');

    // Every area's functions, so that the checks below cannot pass on an empty list.
    const names = Object.keys(stateless.findResources('AWS::Lambda::Function')).map((id) =>
      id.replace(/[0-9A-F]{8}$/, ''),
    );
    expect(names.sort()).toEqual(
      [
        'ApiDocs',
        'ChangeApprovalsApi',
        'ChangeApprovalsTasks',
        'ChangesApi',
        'CmdbApi',
        'CmdbImport',
        'IncidentsApi',
        'IncidentsAutoClose',
        'IncidentsParentSync',
        'IncidentsProblemFollowUp',
        'OutboxEnrichment',
        'ProblemsApi',
        'ProblemsChangeFollowUp',
        'ProblemsDetection',
      ].sort(),
    );
    expect(functions).toHaveLength(names.length);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: {
            [TABLE_NAME_ENV]: expect.anything(),
            POWERTOOLS_SERVICE_NAME: expect.any(String),
            POWERTOOLS_METRICS_NAMESPACE: 'itsm-dev',
            LOG_LEVEL: 'INFO',
          },
        },
      });
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup
        .Ref;
      expect(logGroups[logGroupId]?.Properties).toMatchObject({ RetentionInDays: 30 });
    }
  });

  it('all learn the name of the stateful stack table', () => {
    const { stateless, stateful } = synthesized;
    const tableId = onlyLogicalId('AWS::DynamoDB::Table');
    for (const fn of Object.values(stateless.findResources('AWS::Lambda::Function'))) {
      const tableName = (fn.Properties.Environment.Variables as Record<string, unknown>)[
        TABLE_NAME_ENV
      ];
      expect(producerOf(tableName, stateful)).toEqual({ Ref: tableId });
    }
  });

  it('give the incident functions the default priority matrix and auto-close delay', () => {
    for (const prefix of ['IncidentsApi', 'IncidentsAutoClose', 'IncidentsParentSync']) {
      const fn = resourceNamed(synthesized.stateless, 'AWS::Lambda::Function', prefix);
      expect(fn.properties.Environment).toMatchObject({
        Variables: { PRIORITY_MATRIX: '[[1,2,3],[2,3,4],[3,4,5]]', AUTO_CLOSE_AFTER_HOURS: '168' },
      });
    }
  });

  it('take the deploy settings from CLI context', () => {
    const { stateless } = withCliContext(
      {
        priorityMatrix: '[[1,1,2],[1,2,3],[2,3,4]]',
        autoCloseAfterHours: '24',
        cognitoDomainPrefix: 'acme-itsm',
      },
      () => synthesize(),
    );
    const fn = resourceNamed(stateless, 'AWS::Lambda::Function', 'IncidentsApi');

    expect(fn.properties.Environment).toMatchObject({
      Variables: { PRIORITY_MATRIX: '[[1,1,2],[1,2,3],[2,3,4]]', AUTO_CLOSE_AFTER_HOURS: '24' },
    });
    stateless.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-itsm' });
  });

  it('refuse a priority matrix that is not 3x3 priorities', () => {
    expect(() =>
      withCliContext({ priorityMatrix: '[[1,2,3],[2,3,4],[3,4,9]]' }, () => synthesize()),
    ).toThrow(InvalidDeploySettingsError);
  });

  it('grant the incident functions item access to the table and queries on its indexes only', () => {
    const { stateful } = synthesized;
    const tableId = onlyLogicalId('AWS::DynamoDB::Table');
    for (const prefix of [
      'IncidentsApiRole',
      'IncidentsAutoCloseRole',
      'IncidentsParentSyncRole',
    ]) {
      const statements = statementsOfRole(prefix).filter((statement) =>
        [statement.Action].flat().some((action) => action.startsWith('dynamodb:')),
      );
      const query = statements.find((statement) => statement.Action === 'dynamodb:Query');
      const items = statements.find((statement) => statement !== query);

      expect(actionsOf(statements)).toEqual(
        [
          'dynamodb:ConditionCheckItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ].sort(),
      );
      expect(producerOf(items?.Resource, stateful)).toEqual(getAtt(tableId, 'Arn'));
      const queryResources = query?.Resource as unknown[];
      expect(queryResources).toHaveLength(1 + Object.keys(TABLE_INDEXES).length);
      expect(JSON.stringify(queryResources)).not.toContain('*');
    }
  });

  it('grant the API docs and the enrichment no table access', () => {
    for (const prefix of ['ApiDocsRole', 'OutboxEnrichmentRole']) {
      expect(actionsOf(statementsOfRole(prefix))).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    }
  });
});

describe('incident area', () => {
  it('runs auto-close every 15 minutes from the default bus', () => {
    const { stateless } = synthesized;
    const autoClose = resourceNamed(stateless, 'AWS::Lambda::Function', 'IncidentsAutoClose');
    const rule = resourceNamed(stateless, 'AWS::Events::Rule', 'IncidentsAutoCloseSchedule');

    expect(rule.properties).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [{ Arn: getAtt(autoClose.logicalId, 'Arn') }],
    });
    expect(rule.properties.EventBusName).toBeUndefined();
  });

  it('queues state changes of incidents with children, matched by the catalog contract', () => {
    const { stateless, stateful } = synthesized;
    const rule = resourceNamed(stateless, 'AWS::Events::Rule', 'IncidentsParentSyncConsumerRule');
    const queue = resourceNamed(stateless, 'AWS::SQS::Queue', 'IncidentsParentSyncConsumerQueue');

    expect(rule.properties.EventPattern).toEqual({
      source: [IncidentStateChanged.source],
      'detail-type': [IncidentStateChanged.detailType],
      detail: { data: { incident: { childCount: [{ numeric: ['>', 0] }] } } },
    });
    expect(producerOf(rule.properties.EventBusName, stateful)).toEqual({
      Ref: onlyLogicalId('AWS::Events::EventBus'),
    });
    const [target] = rule.properties.Targets as {
      Arn: unknown;
      DeadLetterConfig: { Arn: unknown };
      RetryPolicy: { MaximumRetryAttempts: number };
    }[];
    expect(target?.Arn).toEqual(getAtt(queue.logicalId, 'Arn'));
    expect(target?.RetryPolicy.MaximumRetryAttempts).toBe(10);
    // The dead-letter queue outlives the stateless stack.
    expect(producerOf(target?.DeadLetterConfig.Arn, stateful)).toEqual(
      deadLetterArnIn(stateful, 'IncidentsParentSync'),
    );
  });

  it('consumes the parent-sync queue in batches of 10 reporting partial failures', () => {
    const { stateless } = synthesized;
    const queue = resourceNamed(stateless, 'AWS::SQS::Queue', 'IncidentsParentSyncConsumerQueue');
    const parentSync = resourceNamed(stateless, 'AWS::Lambda::Function', 'IncidentsParentSync');

    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(queue.logicalId, 'Arn'),
      FunctionName: { Ref: parentSync.logicalId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('redrives the parent-sync queue to its dead-letter queue, and encrypts and enforces TLS', () => {
    const { stateless, stateful } = synthesized;
    const queue = resourceNamed(stateless, 'AWS::SQS::Queue', 'IncidentsParentSyncConsumerQueue');
    const redrive = queue.properties.RedrivePolicy as {
      deadLetterTargetArn: unknown;
      maxReceiveCount: number;
    };
    expect(redrive.maxReceiveCount).toBe(5);
    expect(producerOf(redrive.deadLetterTargetArn, stateful)).toEqual(
      deadLetterArnIn(stateful, 'IncidentsParentSync'),
    );
    expect(queue.properties.SqsManagedSseEnabled).toBe(true);
    stateless.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue.logicalId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('outbox pipe', () => {
  it('reads new outbox items from the table stream and dead-letters what keeps failing', () => {
    const { stateless, stateful } = synthesized;
    const pipe = resourceNamed(stateless, 'AWS::Pipes::Pipe', 'OutboxPipe');
    const source = pipe.properties.SourceParameters as {
      DynamoDBStreamParameters: Record<string, unknown> & { DeadLetterConfig: { Arn: unknown } };
      FilterCriteria: { Filters: { Pattern: string }[] };
    };

    expect(producerOf(pipe.properties.Source, stateful)).toEqual(
      getAtt(onlyLogicalId('AWS::DynamoDB::Table'), 'StreamArn'),
    );
    expect(source.DynamoDBStreamParameters).toMatchObject({
      StartingPosition: 'LATEST',
      BatchSize: 10,
      MaximumRetryAttempts: expect.any(Number),
      OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
    });
    expect(producerOf(source.DynamoDBStreamParameters.DeadLetterConfig.Arn, stateful)).toEqual(
      getAtt(resourceNamed(stateful, 'AWS::SQS::Queue', 'OutboxDeadLetterQueue').logicalId, 'Arn'),
    );
    expect(source.FilterCriteria.Filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      OUTBOX_STREAM_FILTER,
    ]);
  });

  it('enriches with the outbox function and puts the result on the bus', () => {
    const { stateless, stateful } = synthesized;
    const pipe = resourceNamed(stateless, 'AWS::Pipes::Pipe', 'OutboxPipe');
    const enrichment = resourceNamed(stateless, 'AWS::Lambda::Function', 'OutboxEnrichment');

    expect(pipe.properties.Enrichment).toEqual(getAtt(enrichment.logicalId, 'Arn'));
    expect(producerOf(pipe.properties.Target, stateful)).toEqual(
      getAtt(onlyLogicalId('AWS::Events::EventBus'), 'Arn'),
    );
    expect(pipe.properties.TargetParameters).toEqual({
      EventBridgeEventBusParameters: { DetailType: '$.detailType', Source: '$.source' },
      InputTemplate: '<$.detail>',
    });
  });

  it('runs with a role that may do exactly what the pipe needs', () => {
    const { stateful } = synthesized;
    const enrichment = resourceNamed(
      synthesized.stateless,
      'AWS::Lambda::Function',
      'OutboxEnrichment',
    );
    const statements = statementsOfRole('OutboxPipeRole');
    const resourceOf = (action: string) =>
      statements.find((statement) => [statement.Action].flat().includes(action))?.Resource;

    expect(actionsOf(statements)).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'events:PutEvents',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
    ]);
    expect(producerOf(resourceOf('dynamodb:GetRecords'), stateful)).toEqual(
      getAtt(onlyLogicalId('AWS::DynamoDB::Table'), 'StreamArn'),
    );
    expect(resourceOf('lambda:InvokeFunction')).toEqual(getAtt(enrichment.logicalId, 'Arn'));
    expect(producerOf(resourceOf('events:PutEvents'), stateful)).toEqual(
      getAtt(onlyLogicalId('AWS::Events::EventBus'), 'Arn'),
    );
    expect(producerOf(resourceOf('sqs:SendMessage'), stateful)).toEqual(
      getAtt(resourceNamed(stateful, 'AWS::SQS::Queue', 'OutboxDeadLetterQueue').logicalId, 'Arn'),
    );
  });
});

describe('identity', () => {
  it('has an invitation-only user pool with strong passwords and required MFA', () => {
    synthesized.stateless.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('has a group per role', () => {
    const groups = Object.values(
      synthesized.stateless.findResources('AWS::Cognito::UserPoolGroup'),
    ).map((group) => group.Properties.GroupName);

    expect(groups.sort()).toEqual([...Roles].sort());
  });

  it('has the resource server with the incident scopes', () => {
    synthesized.stateless.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: RESOURCE_SERVER_ID,
      Scopes: Object.values(Scopes).map((scope) => ({
        ScopeName: scope.slice(RESOURCE_SERVER_ID.length + 1),
        ScopeDescription: Match.anyValue(),
      })),
    });
  });

  it('has a public code+PKCE client for people and a confidential one for machines', () => {
    const { stateless } = synthesized;
    const people = resourceNamed(
      stateless,
      'AWS::Cognito::UserPoolClient',
      'IdentityUserPoolPeopleClient',
    );
    const machines = resourceNamed(
      stateless,
      'AWS::Cognito::UserPoolClient',
      'IdentityUserPoolMachineClient',
    );

    const resourceServerId = onlyLogicalId('AWS::Cognito::UserPoolResourceServer', stateless);

    expect(people.properties).toMatchObject({ GenerateSecret: false, AllowedOAuthFlows: ['code'] });
    expect(machines.properties).toMatchObject({
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      // `Ref` of the resource server is its identifier, RESOURCE_SERVER_ID.
      AllowedOAuthScopes: Object.values(Scopes).map((scope) => ({
        'Fn::Join': ['', [{ Ref: resourceServerId }, scope.slice(RESOURCE_SERVER_ID.length)]],
      })),
    });
  });

  it('has a token endpoint domain unique to stage and account by default', () => {
    synthesized.stateless.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['-', ['itsm-dev', { Ref: 'AWS::AccountId' }]] },
    });
  });

  it('outputs what clients need to get tokens and call the API', () => {
    const outputs = Object.keys(synthesized.stateless.toJSON().Outputs as object);

    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'UserPoolId',
        'IssuerUrl',
        'PeopleClientId',
        'MachineClientId',
        'TokenEndpoint',
      ]),
    );
  });
});
