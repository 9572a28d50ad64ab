import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_ROUTES } from '../../functions/problem/routes';
import { DETECTION_EVENTS } from '../../functions/problem/subscriptions';
import { InvalidDeploySettingsError } from '../../infra/settings';
import { matchesEventPattern } from '../../local/event-pattern';
import { CHANGE_SOURCE } from '../../shared/events/changes';
import { INCIDENT_SOURCE } from '../../shared/events/incidents';
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

const getAtt = (logicalId: string, attribute: string) => ({
  'Fn::GetAtt': [logicalId, attribute],
});

/** The DynamoDB actions the policies attached to the role named `rolePrefix*` allow. */
function tableActionsOf(rolePrefix: string): string[] {
  const { stateless } = synthesized;
  const role = resourceNamed(stateless, 'AWS::IAM::Role', rolePrefix);
  return Object.values(stateless.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as { Ref?: string }[]).some((ref) => ref.Ref === role.logicalId),
    )
    .flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[],
    )
    .flatMap((statement) => [statement.Action].flat())
    .filter((action) => action.startsWith('dynamodb:'))
    .sort();
}

const PROBLEM_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];

describe('problem area', () => {
  it('routes every problem route to the problem API function behind the authorizer', () => {
    const { stateless } = synthesized;
    const api = resourceNamed(stateless, 'AWS::Lambda::Function', 'ProblemsApi');
    const integrations = stateless.findResources('AWS::ApiGatewayV2::Integration', {
      Properties: { IntegrationUri: getAtt(api.logicalId, 'Arn') },
    });
    for (const routeKey of PROBLEM_ROUTES) {
      stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'JWT',
        Target: {
          'Fn::Join': ['', ['integrations/', { Ref: Object.keys(integrations)[0] }]],
        },
      });
    }
    expect(Object.keys(integrations)).toHaveLength(1);
  });

  it('gives every function the priority matrix and the same least-privilege table access', () => {
    for (const prefix of ['ProblemsApi', 'ProblemsDetection', 'ProblemsChangeFollowUp']) {
      const fn = resourceNamed(synthesized.stateless, 'AWS::Lambda::Function', prefix);
      expect(fn.properties.Environment).toMatchObject({
        Variables: { PRIORITY_MATRIX: '[[1,2,3],[2,3,4],[3,4,5]]' },
      });
      expect(tableActionsOf(`${prefix}Role`)).toEqual(PROBLEM_TABLE_ACTIONS);
    }
  });

  it('passes the detection policy from the deploy settings, defaults or CLI context', () => {
    const detection = (stack: SynthesizedApp['stateless']) =>
      resourceNamed(stack, 'AWS::Lambda::Function', 'ProblemsDetection').properties.Environment;
    expect(detection(synthesized.stateless)).toMatchObject({
      Variables: {
        DETECTION_THRESHOLD: '3',
        DETECTION_WINDOW_HOURS: '24',
        DETECTION_MAX_DEPTH: '3',
      },
    });
    const { stateless } = withCliContext(
      { problemDetection: '{"threshold":5,"windowHours":12,"maxDepth":1}' },
      () => synthesize(),
    );
    expect(detection(stateless)).toMatchObject({
      Variables: {
        DETECTION_THRESHOLD: '5',
        DETECTION_WINDOW_HOURS: '12',
        DETECTION_MAX_DEPTH: '1',
      },
    });
    expect(() =>
      withCliContext({ problemDetection: '{"threshold":1}' }, () => synthesize()),
    ).toThrow(InvalidDeploySettingsError);
  });

  it('delivers incident events to detection through a queue with a dead-letter queue', () => {
    const { stateless, stateful } = synthesized;
    const detection = resourceNamed(stateless, 'AWS::Lambda::Function', 'ProblemsDetection');
    const rule = resourceNamed(stateless, 'AWS::Events::Rule', 'ProblemsDetectionConsumerRule');
    const queue = resourceNamed(stateless, 'AWS::SQS::Queue', 'ProblemsDetectionConsumerQueue');
    const pattern = rule.properties.EventPattern as Record<string, unknown>;
    expect(pattern).toEqual({
      source: [INCIDENT_SOURCE],
      'detail-type': DETECTION_EVENTS.map((contract) => contract.detailType),
    });
    for (const contract of DETECTION_EVENTS) {
      expect(
        matchesEventPattern(pattern, {
          source: INCIDENT_SOURCE,
          'detail-type': contract.detailType,
          detail: {},
        }),
      ).toBe(true);
    }
    expect(
      matchesEventPattern(pattern, {
        source: INCIDENT_SOURCE,
        'detail-type': 'IncidentCommented',
        detail: {},
      }),
    ).toBe(false);
    const deadLetterArn = deadLetterArnIn(stateful, 'ProblemsDetection');
    const [target] = rule.properties.Targets as {
      Arn: unknown;
      DeadLetterConfig: { Arn: unknown };
    }[];
    expect(target?.Arn).toEqual(getAtt(queue.logicalId, 'Arn'));
    expect(producerOf(target?.DeadLetterConfig.Arn, stateful)).toEqual(deadLetterArn);
    const redrive = queue.properties.RedrivePolicy as {
      deadLetterTargetArn: unknown;
      maxReceiveCount: number;
    };
    expect(redrive.maxReceiveCount).toBe(5);
    expect(producerOf(redrive.deadLetterTargetArn, stateful)).toEqual(deadLetterArn);
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(queue.logicalId, 'Arn'),
      FunctionName: { Ref: detection.logicalId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('follows changes that ended (closed or canceled) through its own queue', () => {
    const { stateless } = synthesized;
    const rule = resourceNamed(
      stateless,
      'AWS::Events::Rule',
      'ProblemsChangeFollowUpConsumerRule',
    );
    const pattern = rule.properties.EventPattern as Record<string, unknown>;
    expect(pattern).toEqual({
      source: [CHANGE_SOURCE],
      'detail-type': ['ChangeStateChanged'],
      detail: { data: { to: ['Closed', 'Canceled'] } },
    });
    const event = (to: string) => ({
      source: CHANGE_SOURCE,
      'detail-type': 'ChangeStateChanged',
      detail: { data: { to } },
    });
    expect(matchesEventPattern(pattern, event('Closed'))).toBe(true);
    expect(matchesEventPattern(pattern, event('Canceled'))).toBe(true);
    expect(matchesEventPattern(pattern, event('Review'))).toBe(false);
  });
});
