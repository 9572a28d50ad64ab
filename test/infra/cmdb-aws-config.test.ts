import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { IMPORTED_RESOURCE_TYPES_ENV } from '../../functions/cmdb/aws-config-settings';
import { mappedAwsResourceTypes } from '../../functions/cmdb/domain/aws-config';
import { CMDB_API_ROUTES, CMDB_IMPORT_ROUTES } from '../../functions/cmdb/routes';
import { CmdbArea } from '../../infra/constructs/cmdb-area';
import { ItsmHttpApi } from '../../infra/constructs/http-api';
import { type DeploySettings, readDeploySettings } from '../../infra/settings';
import { TABLE_KEYS } from '../../shared/db/table';
import { deadLettersBeside, producerOf, SYNTH_TIMEOUT, type ValidationReport } from './synth';

type AwsConfigImport = DeploySettings['awsConfigImport'];

/** The deploy setting as `-c awsConfigImport=...` would give it, defaults applied. */
function setting(context: Record<string, unknown>): AwsConfigImport {
  return readDeploySettings(new App({ context: { awsConfigImport: JSON.stringify(context) } }))
    .awsConfigImport;
}

/** The CMDB area alone in a stack, checked by cdk-nag as the app is; not bundled. */
function synthesizeArea(awsConfigImport?: AwsConfigImport) {
  const outdir = mkdtempSync(join(tmpdir(), 'itsm-cmdb-'));
  const app = new App({
    outdir,
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new Stack(app, 'CmdbTest');
  const table = new TableV2(stack, 'Table', {
    partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
    sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
  });
  const api = new ItsmHttpApi(stack, 'Api', {
    stage: 'test',
    issuerUrl: 'https://issuer.example.com',
    audiences: ['client'],
  });
  const deadLetters = deadLettersBeside(stack);
  new CmdbArea(stack, 'Cmdb', {
    defaults: { stage: 'test', logLevel: 'INFO', table },
    api,
    deadLetterQueues: deadLetters.queues,
    ...(awsConfigImport ? { awsConfigImport } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const assembly = app.synth();
  const report = JSON.parse(
    readFileSync(join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8'),
  ) as ValidationReport;
  return {
    template: Template.fromStack(stack),
    deadLetters: Template.fromStack(deadLetters.stack),
    report,
  };
}

function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`Expected one ${type} ${prefix}*, found ${ids.length}`);
  return ids[0] as string;
}

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

/** Every statement granted to the role of the function whose logical id starts with `prefix`. */
function statementsOfFunction(template: Template, prefix: string): Statement[] {
  const functionId = logicalIdOf(template, 'AWS::Lambda::Function', prefix);
  const role = template.toJSON().Resources[functionId].Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some(
        (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: role }),
      ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((statement) => statement.Action).sort();
}

function findingsOf(report: ValidationReport): string[] {
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((violation) => `${violation.ruleName} ${violation.severity}`),
  );
}

const TRACING_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
/** What the SQS event source mapping needs. */
const QUEUE_CONSUMER_ACTIONS = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:ReceiveMessage',
];

describe('CmdbArea without AWS Config delivery (the default)', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synthesizeArea(setting({})));
  }, SYNTH_TIMEOUT);

  it('serves the import from a function of its own and creates nothing for AWS Config', () => {
    const importId = logicalIdOf(template, 'AWS::Lambda::Function', 'CmdbImport');
    const apiId = logicalIdOf(template, 'AWS::Lambda::Function', 'CmdbApi');
    const routeTargets = (routeKeys: readonly string[], functionId: string) => {
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
        Properties: { IntegrationUri: { 'Fn::GetAtt': [functionId, 'Arn'] } },
      });
      const [integrationId] = Object.keys(integrations);
      for (const routeKey of routeKeys) {
        template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: routeKey,
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
        });
      }
    };
    routeTargets(CMDB_IMPORT_ROUTES, importId);
    routeTargets(CMDB_API_ROUTES, apiId);

    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('lets the import function read and write CIs, nothing more', () => {
    expect(actionsOf(statementsOfFunction(template, 'CmdbImport'))).toEqual(
      [...LOG_ACTIONS, 'dynamodb:GetItem', 'dynamodb:PutItem', ...TRACING_ACTIONS].sort(),
    );
  });
});

describe('CmdbArea with AWS Config delivery', () => {
  let template: Template;
  let deadLetters: Template;
  let report: ValidationReport;
  beforeAll(() => {
    ({ template, deadLetters, report } = synthesizeArea(setting({ enabled: true })));
  }, SYNTH_TIMEOUT);

  it('routes AWS Config change events of the imported types from the default bus', () => {
    const rule = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['aws.config'] } },
    });
    const [properties] = Object.values(rule).map((resource) => resource.Properties);
    expect(Object.keys(rule)).toHaveLength(1);
    // No bus named: the account's default bus, where AWS services publish.
    expect(properties.EventBusName).toBeUndefined();
    expect(properties.EventPattern).toEqual({
      source: ['aws.config'],
      'detail-type': ['Config Configuration Item Change'],
      detail: {
        messageType: ['ConfigurationItemChangeNotification'],
        configurationItem: { resourceType: mappedAwsResourceTypes() },
      },
    });
    // EventBridge refuses patterns longer than 2,048 characters (the default quota).
    expect(JSON.stringify(properties.EventPattern).length).toBeLessThanOrEqual(2048);
  });

  it('delivers them to an encrypted queue with a dead-letter queue, drained in batches', () => {
    const queueId = logicalIdOf(template, 'AWS::SQS::Queue', 'CmdbAwsConfigChangesQueue');
    // Its dead-letter queue lives with the other stateful resources.
    const deadLetterArn = {
      'Fn::GetAtt': [
        logicalIdOf(deadLetters, 'AWS::SQS::Queue', 'DeadLettersCmdbAwsConfigChanges'),
        'Arn',
      ],
    };
    const queue = template.findResources('AWS::SQS::Queue')[queueId]?.Properties;
    expect(queue).toMatchObject({ SqsManagedSseEnabled: true, VisibilityTimeout: 180 });
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(5);
    expect(producerOf(queue.RedrivePolicy.deadLetterTargetArn, deadLetters)).toEqual(deadLetterArn);
    const [target] = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: Match.objectLike({ source: ['aws.config'] }) },
      }),
    ).flatMap((rule) => rule.Properties.Targets);
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    expect(producerOf(target.DeadLetterConfig.Arn, deadLetters)).toEqual(deadLetterArn);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: logicalIdOf(template, 'AWS::Lambda::Function', 'CmdbAwsConfigChange') },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs the full sync on the schedule of the setting', () => {
    const syncId = logicalIdOf(template, 'AWS::Lambda::Function', 'CmdbAwsConfigSync');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [syncId, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900,
      Environment: {
        Variables: Match.objectLike({
          [IMPORTED_RESOURCE_TYPES_ENV]: JSON.stringify(mappedAwsResourceTypes()),
        }),
      },
    });
  });

  it('lets the sync query AWS Config and write CIs, and the change import only write CIs', () => {
    const sync = statementsOfFunction(template, 'CmdbAwsConfigSync');
    expect(actionsOf(sync)).toEqual(
      [
        ...LOG_ACTIONS,
        'config:SelectResourceConfig',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        ...TRACING_ACTIONS,
      ].sort(),
    );
    // It supports no resource-level permissions.
    expect(
      sync.find((statement) => [statement.Action].flat().includes('config:SelectResourceConfig'))
        ?.Resource,
    ).toBe('*');
    expect(actionsOf(statementsOfFunction(template, 'CmdbAwsConfigChange'))).toEqual(
      [
        ...LOG_ACTIONS,
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        ...QUEUE_CONSUMER_ACTIONS,
        ...TRACING_ACTIONS,
      ].sort(),
    );
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement reasoned', () => {
    expect(findingsOf(report)).toEqual([]);
  });
});

describe('CmdbArea with AWS Config delivery and the delivery bucket', () => {
  let template: Template;
  let report: ValidationReport;
  beforeAll(() => {
    ({ template, report } = synthesizeArea(
      setting({
        enabled: true,
        deliveryBucket: 'config-bucket-111122223333',
        resourceTypes: ['AWS::EC2::Instance', 'AWS::RDS::DBInstance'],
        scheduleHours: 6,
      }),
    ));
  }, SYNTH_TIMEOUT);

  it('also routes oversized changes, whatever their type (the function filters them)', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.config'],
        'detail-type': ['Config Configuration Item Change'],
        detail: {
          $or: [
            {
              messageType: ['ConfigurationItemChangeNotification'],
              configurationItem: { resourceType: ['AWS::EC2::Instance', 'AWS::RDS::DBInstance'] },
            },
            { messageType: ['OversizedConfigurationItemChangeNotification'] },
          ],
        },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
  });

  it('lets the change import read oversized notifications of this account and region only', () => {
    const statements = statementsOfFunction(template, 'CmdbAwsConfigChange');
    const s3 = statements.filter((statement) => [statement.Action].flat().includes('s3:GetObject'));
    expect(s3).toHaveLength(1);
    expect(s3[0]?.Action).toBe('s3:GetObject');
    expect(s3[0]?.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':s3:::config-bucket-111122223333/*AWSLogs/',
          { Ref: 'AWS::AccountId' },
          '/Config/',
          { Ref: 'AWS::Region' },
          '/*/OversizedChangeNotification/*',
        ],
      ],
    });
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement reasoned', () => {
    expect(findingsOf(report)).toEqual([]);
  });
});
