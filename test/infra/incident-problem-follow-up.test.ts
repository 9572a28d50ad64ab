import { beforeAll, describe, expect, it } from 'vitest';
import { ProblemActions } from '../../functions/problem/domain';
import { matchesEventPattern } from '../../local/event-pattern';
import { domainEvent } from '../../shared/events/domain-event';
import {
  type ProblemSnapshot,
  ProblemStateChanged,
  ProblemWorkaroundCommunicated,
} from '../../shared/events/problems';
import {
  deadLetterArnIn,
  producerOf,
  resourceNamed,
  SYNTH_TIMEOUT,
  type SynthesizedApp,
  synthesize,
} from './synth';

let synthesized: SynthesizedApp;
beforeAll(() => {
  synthesized = synthesize();
}, SYNTH_TIMEOUT);

const getAtt = (logicalId: string, attribute: string) => ({
  'Fn::GetAtt': [logicalId, attribute],
});

const PREFIX = 'IncidentsProblemFollowUp';

function consumerResources() {
  const { stateless } = synthesized;
  return {
    fn: resourceNamed(stateless, 'AWS::Lambda::Function', PREFIX),
    rule: resourceNamed(stateless, 'AWS::Events::Rule', `${PREFIX}ConsumerRule`),
    queue: resourceNamed(stateless, 'AWS::SQS::Queue', `${PREFIX}ConsumerQueue`),
  };
}

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

const NOW = '2025-03-02T09:30:00.000Z';
const problem: ProblemSnapshot = {
  id: 'prb-1',
  number: 'PRB0001001',
  shortDescription: 'Mail relay drops messages',
  impact: 2,
  urgency: 2,
  priority: 3,
  state: 'Resolved',
  knownError: false,
  resolutionCode: 'Fix Applied',
  resolutionNotes: 'Patched',
  linkedIncidentCount: 1,
  source: 'manual',
  openedBy: 'agent-1',
  createdAt: NOW,
  updatedAt: NOW,
  version: 3,
};

/** The event as the bus matches it: the outbox event's detail under its source and type. */
function busEvent(outbox: ReturnType<typeof domainEvent>) {
  return {
    source: outbox.source,
    'detail-type': outbox.detailType,
    detail: JSON.parse(outbox.detail),
  };
}

const origin = {
  aggregateId: problem.id,
  sequence: 4,
  actor: { id: 'agent-1', kind: 'user', role: 'agent' },
  occurredAt: NOW,
} as const;

describe('incident area: problem follow-up', () => {
  it('routes every communicated workaround and the state changes that have follow-ups', () => {
    const pattern = consumerResources().rule.properties.EventPattern;
    expect(pattern).toEqual({
      source: ['itsm.problems'],
      'detail-type': ['ProblemStateChanged', 'ProblemWorkaroundCommunicated'],
      detail: {
        $or: [
          { metadata: { eventType: ['ProblemWorkaroundCommunicated'] } },
          { data: { action: ['resolve', 'cancel'] } },
        ],
      },
    });

    const routed = ProblemActions.filter((action) =>
      matchesEventPattern(
        pattern,
        busEvent(
          domainEvent(ProblemStateChanged, origin, {
            problem,
            action,
            from: 'Assess',
            to: 'Resolved',
          }),
        ),
      ),
    );
    expect(routed).toEqual(['resolve', 'cancel']);
    const workaround = domainEvent(ProblemWorkaroundCommunicated, origin, {
      problem,
      notes: [{ incidentId: 'inc-1', commentId: 'note-1', body: 'Purge the queue' }],
    });
    expect(matchesEventPattern(pattern, busEvent(workaround))).toBe(true);
  });

  it('queues the events with a dead-letter queue for what the rule or the function cannot handle', () => {
    const { rule, queue, fn } = consumerResources();
    const { stateful } = synthesized;
    const deadLetterArn = deadLetterArnIn(stateful, PREFIX);
    const [target] = rule.properties.Targets as {
      Arn: unknown;
      DeadLetterConfig: { Arn: unknown };
    }[];
    expect(target?.Arn).toEqual(getAtt(queue.logicalId, 'Arn'));
    expect(producerOf(target?.DeadLetterConfig.Arn, stateful)).toEqual(deadLetterArn);
    const redrive = queue.properties.RedrivePolicy as { deadLetterTargetArn: unknown };
    expect(producerOf(redrive.deadLetterTargetArn, stateful)).toEqual(deadLetterArn);
    expect(queue.properties).toMatchObject({
      RedrivePolicy: { maxReceiveCount: 5 },
      // Six times the function's timeout.
      VisibilityTimeout: 6 * (fn.properties.Timeout as number),
    });
    expect(fn.properties.Timeout).toBe(60);
  });

  it('drains the queue in batches of 10 reporting partial failures', () => {
    const { queue, fn } = consumerResources();
    synthesized.stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(queue.logicalId, 'Arn'),
      FunctionName: { Ref: fn.logicalId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('may read, query and write incidents transactionally, as the other incident functions', () => {
    const actions = tableActionsOf(`${PREFIX}Role`);
    expect(actions).toEqual(tableActionsOf('IncidentsParentSyncRole'));
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem']),
    );
  });
});
