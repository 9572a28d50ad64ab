import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_CONSUMERS } from '../../infra/constructs/dead-letter-queues';
import { TABLE_INDEXES, TABLE_KEYS } from '../../shared/db/table';
import { resourceNamed, SYNTH_TIMEOUT, type SynthesizedApp, synthesize } from './synth';

let synthesized: SynthesizedApp;
beforeAll(() => {
  synthesized = synthesize();
}, SYNTH_TIMEOUT);

describe('stateful stack', () => {
  it('has one table keyed by pk and sk, on demand, protected and retained', () => {
    const { stateful } = synthesized;
    stateful.resourceCountIs('AWS::DynamoDB::Table', 1);
    stateful.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: TABLE_KEYS.timeToLive, Enabled: true },
      }),
    });
  });

  it('has every index of the table contract, with string keys and all attributes projected', () => {
    const table = resourceNamed(synthesized.stateful, 'AWS::DynamoDB::Table', 'Table');
    const { GlobalSecondaryIndexes, AttributeDefinitions } = table.properties as {
      GlobalSecondaryIndexes: unknown[];
      AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
    };

    expect(GlobalSecondaryIndexes).toEqual(
      Object.entries(TABLE_INDEXES).map(([indexName, keys]) => ({
        IndexName: indexName,
        KeySchema: [
          { AttributeName: keys.partitionKey, KeyType: 'HASH' },
          { AttributeName: keys.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    expect(AttributeDefinitions.every((attribute) => attribute.AttributeType === 'S')).toBe(true);
  });

  it('has the stage bus with an archive of all its events for a year', () => {
    const { stateful } = synthesized;
    stateful.hasResourceProperties('AWS::Events::EventBus', { Name: 'itsm-dev' });
    const [busId] = Object.keys(stateful.findResources('AWS::Events::EventBus'));
    stateful.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      RetentionDays: 365,
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
    });
  });

  it('keeps the dead-letter queues, encrypted and TLS-only: the outbox pipe one and one per consumer', () => {
    const { stateful, stateless } = synthesized;
    const queues = Object.values(stateful.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(1 + EVENT_CONSUMERS.length);
    for (const queue of queues) {
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    }
    // The stateless stack has the consumers' queues only, each redriving to the stateful one.
    for (const queue of Object.values(stateless.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties.RedrivePolicy).toBeDefined();
    }
    for (const consumer of EVENT_CONSUMERS) {
      const queue = resourceNamed(stateful, 'AWS::SQS::Queue', `DeadLetters${consumer}`);
      // Rules of this account may send their undeliverable events; nothing else may.
      stateful.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue.logicalId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Condition: {
                ArnLike: {
                  'aws:SourceArn': {
                    'Fn::Join': [
                      '',
                      [
                        'arn:',
                        { Ref: 'AWS::Partition' },
                        ':events:',
                        { Ref: 'AWS::Region' },
                        ':',
                        { Ref: 'AWS::AccountId' },
                        ':rule/*',
                      ],
                    ],
                  },
                },
              },
            }),
          ]),
        },
      });
    }
    stateful.hasResourceProperties('AWS::SQS::QueuePolicy', {
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

  it('is named after the stage given', () => {
    const { statefulStack, stateful } = synthesize({ stage: 'qa' });

    expect(statefulStack.stackName).toBe('itsm-qa-stateful');
    stateful.hasResourceProperties('AWS::Events::EventBus', { Name: 'itsm-qa' });
  });
});
