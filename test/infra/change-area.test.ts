import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_API_ROUTES } from '../../functions/change/routes';
import {
  CHANGE_ENVIRONMENT,
  ChangeManagementSettingsSchema,
} from '../../functions/change/settings';
import { ChangeArea } from '../../infra/constructs/change-area';
import { ItsmHttpApi } from '../../infra/constructs/http-api';
import { TABLE_KEYS } from '../../shared/db/table';
import { SYNTH_TIMEOUT } from './synth';

const settings = ChangeManagementSettingsSchema.parse({
  approverGroups: { cab: ['cab-1', 'cab-2'], 'emergency-cab': ['ecab-1'] },
  riskImpactDepth: 2,
});

let template: Template;

beforeAll(() => {
  // Not bundled: the test reads the template only.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'ChangeAreaTest');
  const table = new TableV2(stack, 'Table', {
    partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
    sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
  });
  const api = new ItsmHttpApi(stack, 'Api', {
    stage: 'test',
    issuerUrl: 'https://issuer.example.com',
    audiences: ['client'],
  });
  new ChangeArea(stack, 'Changes', {
    defaults: { stage: 'test', logLevel: 'INFO', table },
    settings: { changeManagement: settings },
    api,
  });
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT);

describe('ChangeArea', () => {
  it('routes every change, release and gate route to one function behind the JWT authorizer', () => {
    const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    for (const routeKey of CHANGE_API_ROUTES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: authorizerId },
      });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Route', CHANGE_API_ROUTES.length);
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('hands the settings to the function, one variable each', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'changes',
          [CHANGE_ENVIRONMENT.approverGroups]: JSON.stringify(settings.approverGroups),
          [CHANGE_ENVIRONMENT.cabGroup]: 'cab',
          [CHANGE_ENVIRONMENT.riskImpactDepth]: '2',
          [CHANGE_ENVIRONMENT.approvalPolicies]: JSON.stringify(settings.approvalPolicies),
        }),
      },
    });
  });

  it('grants exactly the table actions the API uses, and nothing on other resources', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as {
          Action: string | string[];
          Resource: unknown;
        }[],
    );
    const actions = statements
      .flatMap((statement) => statement.Action)
      .filter((action) => action.startsWith('dynamodb:'))
      .sort();
    expect(actions).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    const services = new Set(
      statements.flatMap((statement) => statement.Action).map((action) => action.split(':')[0]),
    );
    expect([...services].sort()).toEqual(['dynamodb', 'logs', 'xray']);
  });
});
