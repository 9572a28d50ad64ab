import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CMDB_ROUTES } from '../../functions/cmdb/routes';
import { CmdbArea } from '../../infra/constructs/cmdb-area';
import { ItsmHttpApi } from '../../infra/constructs/http-api';
import { TABLE_KEYS } from '../../shared/db/table';
import { deadLettersBeside, SYNTH_TIMEOUT } from './synth';

let template: Template;

beforeAll(() => {
  // Not bundled: the test reads the template only.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'CmdbAreaTest');
  const table = new TableV2(stack, 'Table', {
    partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
    sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
  });
  const api = new ItsmHttpApi(stack, 'Api', {
    stage: 'test',
    issuerUrl: 'https://issuer.example.com',
    audiences: ['client'],
  });
  new CmdbArea(stack, 'Cmdb', {
    defaults: { stage: 'test', logLevel: 'INFO', table },
    api,
    deadLetterQueues: deadLettersBeside(stack).queues,
  });
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT);

describe('CmdbArea', () => {
  it('routes every CMDB route to its function behind the JWT authorizer', () => {
    const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    for (const routeKey of CMDB_ROUTES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Route', CMDB_ROUTES.length);
  });

  it('runs on Node.js 24 on ARM', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'cmdb' }) },
    });
  });

  it('grants the API exactly the table actions it uses, BatchGetItem for the impact walk', () => {
    const [apiRole] = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) =>
      id.startsWith('CmdbApiRole'),
    );
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === `[{"Ref":"${apiRole}"}]`)
      .flatMap(
        (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
      );
    const actions = statements
      .flatMap((statement) => statement.Action)
      .filter((action) => action.startsWith('dynamodb:'))
      .sort();
    expect(actions).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
  });
});
