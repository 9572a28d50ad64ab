import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small cloud assembly shaped like `cdk synth` output (two stacks, a cross-stack export,
 * an asset manifest, a bundled ESM function), for testing the local runtime without the
 * real CDK app.
 */
export const FIXTURE = {
  table: 'TableCD117FA1',
  bus: 'BusEA82B648',
  apiFunction: 'ApiFnE0725F78',
  docsFunction: 'DocsFnAD792A46',
  workQueue: 'WorkQueue94013F35',
  workDlq: 'WorkDlqEFF57BC6',
  eventsDlq: 'EventsDlqACDA5DFF',
  assetHash: '3f81e8676b02f9676e3e9628c1f33a90169ad946d5bccb5c52506ad9cda47bef',
} as const;

/**
 * The bundled function: what it does depends on the event, so that one asset can exercise
 * the host (echo, failure, timeout, warm module scope, oversized response), enrich the pipe's
 * records and consume the queue.
 */
const HANDLER_SOURCE = `
let invocations = 0;
const loadedAt = Date.now();
export const handler = async (event, context) => {
  invocations += 1;
  // As the pipe's enrichment: one event per stream record.
  if (Array.isArray(event)) {
    return event.map((record) => ({
      source: 'itsm.incidents',
      detailType: 'IncidentCreated',
      detail: { id: record.dynamodb.NewImage.pk.S },
    }));
  }
  // As the queue's consumer: report what arrived.
  if (event?.Records) {
    for (const record of event.Records) console.log(\`consumed \${record.body}\`);
    return { batchItemFailures: [] };
  }
  switch (event?.behaviour) {
    case 'fail': {
      const error = new TypeError('it broke');
      throw error;
    }
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, event.ms));
      return { slept: event.ms };
    case 'huge':
      return { data: 'x'.repeat(7 * 1024 * 1024) };
    case 'undefined':
      return undefined;
    case 'exit':
      process.exit(3);
    default:
      return {
        event,
        env: { TABLE_NAME: process.env.TABLE_NAME, AWS_REGION: process.env.AWS_REGION, AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME },
        context: {
          functionName: context.functionName,
          awsRequestId: context.awsRequestId,
          memoryLimitInMB: context.memoryLimitInMB,
          remaining: context.getRemainingTimeInMillis(),
        },
        invocations,
        loadedAt,
      };
  }
};
export const http = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ routeKey: event.routeKey }),
});
`;

const importTable = { 'Fn::ImportValue': 'Stateful:ExportsOutputRefTableCD117FA1D18A8047' };

function functionResource(handler: string, extra: Record<string, unknown> = {}) {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: {
      Code: {
        S3Key: `${FIXTURE.assetHash}.zip`,
      },
      Environment: {
        Variables: {
          TABLE_NAME: importTable,
          BUS_NAME: { 'Fn::ImportValue': 'Stateful:ExportsOutputRefBusEA82B6486A28F94F' },
          TABLE_ARN: {
            'Fn::GetStackOutput': {
              StackName: 'Stateful',
              Region: { Ref: 'AWS::Region' },
              OutputName: 'ExportsOutputFnGetAttTableArn',
            },
          },
          WORK_QUEUE_URL: { Ref: FIXTURE.workQueue },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
          SUBBED: { 'Fn::Sub': ['${AWS::Region}-x-${T}-${!Literal}', { T: importTable }] },
          JOINED: {
            'Fn::Join': [
              '/',
              ['a', { Ref: 'AWS::AccountId' }, { 'Fn::GetAtt': [FIXTURE.workQueue, 'QueueName'] }],
            ],
          },
          POWERTOOLS_SERVICE_NAME: 'fixture',
        },
      },
      Handler: handler,
      MemorySize: 512,
      Role: { 'Fn::GetAtt': ['ApiFnServiceRoleD18AAE0E', 'Arn'] },
      Runtime: 'nodejs22.x',
      Timeout: 2,
      ...extra,
    },
  };
}

const statefulTemplate = {
  Resources: {
    [FIXTURE.table]: {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: {
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byNumber',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        Replicas: [{ Region: { Ref: 'AWS::Region' } }],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    },
    [FIXTURE.bus]: { Type: 'AWS::Events::EventBus', Properties: { Name: 'itsm-dev' } },
    EventArchive: {
      Type: 'AWS::Events::Archive',
      Properties: { SourceArn: { 'Fn::GetAtt': [FIXTURE.bus, 'Arn'] } },
    },
  },
  Outputs: {
    ExportsOutputRefTableCD117FA1D18A8047: {
      Value: { Ref: FIXTURE.table },
      Export: { Name: 'Stateful:ExportsOutputRefTableCD117FA1D18A8047' },
    },
    ExportsOutputRefBusEA82B6486A28F94F: {
      Value: { Ref: FIXTURE.bus },
      Export: { Name: 'Stateful:ExportsOutputRefBusEA82B6486A28F94F' },
    },
    ExportsOutputFnGetAttTableArn: {
      Value: { 'Fn::GetAtt': [FIXTURE.table, 'Arn'] },
      Export: { Name: 'Stateful:ExportsOutputFnGetAttTableArn' },
    },
    ExportsOutputFnGetAttTableStreamArn: {
      Value: { 'Fn::GetAtt': [FIXTURE.table, 'StreamArn'] },
      Export: { Name: 'Stateful:ExportsOutputFnGetAttTableStreamArn' },
    },
    ExportsOutputFnGetAttBusArn: {
      Value: { 'Fn::GetAtt': [FIXTURE.bus, 'Arn'] },
      Export: { Name: 'Stateful:ExportsOutputFnGetAttBusArn' },
    },
  },
  Parameters: {
    BootstrapVersion: {
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/cdk-bootstrap/hnb659fds/version',
    },
  },
};

const apiRef = { Ref: 'ApiF70053CD' };
const statelessTemplate = {
  Resources: {
    PoolD3F588B8: { Type: 'AWS::Cognito::UserPool', Properties: {} },
    PoolAppClientA2433EF7: {
      Type: 'AWS::Cognito::UserPoolClient',
      Properties: { UserPoolId: { Ref: 'PoolD3F588B8' } },
    },
    ApiFnServiceRoleD18AAE0E: { Type: 'AWS::IAM::Role', Properties: {} },
    [FIXTURE.apiFunction]: functionResource('index.http'),
    [FIXTURE.docsFunction]: functionResource('index.handler'),
    PythonFn: {
      Type: 'AWS::Lambda::Function',
      Properties: { Code: { ZipFile: 'pass' }, Handler: 'index.main', Runtime: 'python3.12' },
    },
    ApiF70053CD: {
      Type: 'AWS::ApiGatewayV2::Api',
      Properties: {
        CorsConfiguration: {
          AllowHeaders: ['authorization', 'content-type'],
          AllowMethods: ['*'],
          AllowOrigins: ['*'],
        },
        Name: 'Api',
        ProtocolType: 'HTTP',
      },
    },
    ApiIntegration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: apiRef,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': [FIXTURE.apiFunction, 'Arn'] },
        PayloadFormatVersion: '2.0',
      },
    },
    DocsIntegration: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: apiRef,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': [FIXTURE.docsFunction, 'Arn'] },
        PayloadFormatVersion: '2.0',
      },
    },
    ApiAuth3D21DCFE: {
      Type: 'AWS::ApiGatewayV2::Authorizer',
      Properties: {
        ApiId: apiRef,
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Audience: [{ Ref: 'PoolAppClientA2433EF7' }],
          Issuer: {
            'Fn::Join': [
              '',
              [
                'https://cognito-idp.',
                { Ref: 'AWS::Region' },
                '.amazonaws.com/',
                { Ref: 'PoolD3F588B8' },
              ],
            ],
          },
        },
        Name: 'Auth',
      },
    },
    RouteListIncidents: route('GET /incidents', 'ApiIntegration', ['itsm/incidents.read']),
    RouteGetIncident: route('GET /incidents/{id}', 'ApiIntegration'),
    RouteOpenApi: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: apiRef,
        AuthorizationType: 'NONE',
        RouteKey: 'GET /openapi.json',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'DocsIntegration' }]] },
      },
    },
    [FIXTURE.workDlq]: { Type: 'AWS::SQS::Queue' },
    [FIXTURE.workQueue]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [FIXTURE.workDlq, 'Arn'] },
          maxReceiveCount: 3,
        },
        VisibilityTimeout: 60,
      },
    },
    [FIXTURE.eventsDlq]: { Type: 'AWS::SQS::Queue' },
    WorkEventSource: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        BatchSize: 5,
        EventSourceArn: { 'Fn::GetAtt': [FIXTURE.workQueue, 'Arn'] },
        FunctionName: { Ref: FIXTURE.docsFunction },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      },
    },
    OnCreated: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { 'Fn::ImportValue': 'Stateful:ExportsOutputRefBusEA82B6486A28F94F' },
        EventPattern: { source: ['itsm.incidents'], 'detail-type': ['IncidentCreated'] },
        State: 'ENABLED',
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [FIXTURE.workQueue, 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [FIXTURE.eventsDlq, 'Arn'] } },
            Id: 'Target0',
            RetryPolicy: { MaximumRetryAttempts: 2 },
          },
        ],
      },
    },
    Hourly: {
      Type: 'AWS::Events::Rule',
      Properties: {
        ScheduleExpression: 'rate(1 hour)',
        State: 'ENABLED',
        Targets: [
          { Arn: { 'Fn::GetAtt': [FIXTURE.docsFunction, 'Arn'] }, Id: 'Target0', Input: '{"a":1}' },
        ],
      },
    },
    Disabled: {
      Type: 'AWS::Events::Rule',
      Properties: { ScheduleExpression: 'rate(1 minute)', State: 'DISABLED', Targets: [] },
    },
    Flow: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        DefinitionString: {
          'Fn::Join': [
            '',
            [
              '{"StartAt":"Call","States":{"Call":{"End":true,"Type":"Task","Resource":"arn:',
              { Ref: 'AWS::Partition' },
              ':states:::lambda:invoke","Parameters":{"FunctionName":"',
              { 'Fn::GetAtt': [FIXTURE.docsFunction, 'Arn'] },
              '","Payload.$":"$"}}}}',
            ],
          ],
        },
        RoleArn: { 'Fn::GetAtt': ['ApiFnServiceRoleD18AAE0E', 'Arn'] },
      },
    },
    Outbox: {
      Type: 'AWS::Pipes::Pipe',
      Properties: {
        Enrichment: { 'Fn::GetAtt': [FIXTURE.docsFunction, 'Arn'] },
        RoleArn: { 'Fn::GetAtt': ['ApiFnServiceRoleD18AAE0E', 'Arn'] },
        Source: { 'Fn::ImportValue': 'Stateful:ExportsOutputFnGetAttTableStreamArn' },
        SourceParameters: {
          DynamoDBStreamParameters: {
            BatchSize: 10,
            StartingPosition: 'LATEST',
            MaximumRetryAttempts: 10,
          },
          FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
        },
        Target: { 'Fn::ImportValue': 'Stateful:ExportsOutputFnGetAttBusArn' },
        TargetParameters: {
          EventBridgeEventBusParameters: { DetailType: '$.detailType', Source: '$.source' },
          InputTemplate: '<$.detail>',
        },
      },
    },
  },
  Outputs: { ApiUrl: { Value: { 'Fn::GetAtt': ['ApiF70053CD', 'ApiEndpoint'] } } },
};

function route(routeKey: string, integration: string, scopes?: string[]) {
  return {
    Type: 'AWS::ApiGatewayV2::Route',
    Properties: {
      ApiId: apiRef,
      ...(scopes ? { AuthorizationScopes: scopes } : {}),
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: 'ApiAuth3D21DCFE' },
      RouteKey: routeKey,
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: integration }]] },
    },
  };
}

function assetManifest(templateFile: string, withFunctionAsset: boolean) {
  return {
    version: '55.0.0',
    files: {
      ...(withFunctionAsset
        ? {
            [FIXTURE.assetHash]: {
              displayName: 'ApiFn/Code',
              source: { path: `asset.${FIXTURE.assetHash}`, packaging: 'zip' },
              destinations: {
                'current_account-current_region': {
                  objectKey: `${FIXTURE.assetHash}.zip`,
                },
              },
            },
          }
        : {}),
      templatehash: {
        source: { path: templateFile, packaging: 'file' },
        destinations: { current: { bucketName: 'b', objectKey: `${templateFile}.json` } },
      },
    },
  };
}

/**
 * Writes the fixture assembly into `dir`; `overrides` replace or add resources of the
 * stateless stack (a value of `undefined` removes one).
 */
export function writeFixtureAssembly(dir: string, overrides: Record<string, unknown> = {}): string {
  mkdirSync(join(dir, `asset.${FIXTURE.assetHash}`), { recursive: true });
  writeFileSync(join(dir, `asset.${FIXTURE.assetHash}`, 'index.mjs'), HANDLER_SOURCE);
  const resources: Record<string, unknown> = { ...statelessTemplate.Resources, ...overrides };
  for (const [id, value] of Object.entries(resources))
    if (value === undefined) delete resources[id];
  const files: Record<string, unknown> = {
    'Stateful.template.json': statefulTemplate,
    'Stateless.template.json': { ...statelessTemplate, Resources: resources },
    'Stateful.assets.json': assetManifest('Stateful.template.json', false),
    'Stateless.assets.json': assetManifest('Stateless.template.json', true),
    'manifest.json': {
      version: '55.0.0',
      artifacts: {
        'Stateful.assets': {
          type: 'cdk:asset-manifest',
          properties: { file: 'Stateful.assets.json' },
        },
        Stateful: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'Stateful.template.json' },
        },
        'Stateless.assets': {
          type: 'cdk:asset-manifest',
          properties: { file: 'Stateless.assets.json' },
        },
        Stateless: {
          type: 'aws:cloudformation:stack',
          properties: { templateFile: 'Stateless.template.json', stackName: 'fixture-stateless' },
          dependencies: ['Stateful'],
        },
        Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
      },
    },
  };
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), JSON.stringify(content, null, 1));
  }
  return dir;
}
