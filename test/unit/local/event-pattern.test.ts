import { describe, expect, it } from 'vitest';
import {
  compileEventPattern,
  InvalidEventPatternError,
  matchesEventPattern,
  validateEventPattern,
} from '../../../local/event-pattern';

// Cases follow the examples of the Amazon EventBridge user guide ("Creating event patterns",
// "Content filtering", "Comparison operators", arrays and null values) and aws/event-ruler.
const ec2Event = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

function withDetail(detail: Record<string, unknown>) {
  return { ...ec2Event, detail: { ...ec2Event.detail, ...detail } };
}

describe('matchesEventPattern', () => {
  describe('exact values', () => {
    const pattern = {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['initializing', 'running'] },
    };

    it('matches when every field matches one of its values', () => {
      expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
      expect(matchesEventPattern(pattern, withDetail({ state: 'initializing' }))).toBe(true);
    });

    it('does not match when one field has another value', () => {
      expect(matchesEventPattern(pattern, withDetail({ state: 'stopped' }))).toBe(false);
      expect(matchesEventPattern(pattern, { ...ec2Event, source: 'aws.s3' })).toBe(false);
    });

    it('does not match when a field of the pattern is missing from the event', () => {
      const { detail: _detail, ...withoutDetail } = ec2Event;
      expect(matchesEventPattern(pattern, withoutDetail)).toBe(false);
    });

    it('ignores event fields the pattern does not name', () => {
      expect(matchesEventPattern({ source: ['aws.ec2'] }, ec2Event)).toBe(true);
    });

    it('is case sensitive and type strict', () => {
      expect(matchesEventPattern({ source: ['AWS.EC2'] }, ec2Event)).toBe(false);
      expect(matchesEventPattern({ detail: { 'c-count': ['5'] } }, ec2Event)).toBe(false);
      expect(matchesEventPattern({ detail: { 'c-count': [5] } }, ec2Event)).toBe(true);
      expect(matchesEventPattern({ detail: { on: [true] } }, withDetail({ on: true }))).toBe(true);
      expect(matchesEventPattern({ detail: { on: [true] } }, withDetail({ on: 'true' }))).toBe(
        false,
      );
    });

    it('tells null and empty strings apart', () => {
      const event = { detail: { eventVersion: '', responseElements: null } };
      expect(matchesEventPattern({ detail: { eventVersion: [''] } }, event)).toBe(true);
      expect(matchesEventPattern({ detail: { responseElements: [null] } }, event)).toBe(true);
      expect(matchesEventPattern({ detail: { eventVersion: [null] } }, event)).toBe(false);
      expect(matchesEventPattern({ detail: { responseElements: [''] } }, event)).toBe(false);
      expect(matchesEventPattern({ detail: { missing: [null] } }, event)).toBe(false);
    });

    it('does not treat an object value as a leaf', () => {
      expect(matchesEventPattern({ detail: ['running'] }, ec2Event)).toBe(false);
    });
  });

  describe('arrays in events', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      ],
    };

    it('matches if the event array and the pattern values intersect', () => {
      const event = {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      };
      expect(matchesEventPattern(pattern, event)).toBe(true);
    });

    it('does not match a disjoint or empty event array', () => {
      expect(matchesEventPattern(pattern, { resources: ['arn:aws:s3:::bucket'] })).toBe(false);
      expect(matchesEventPattern(pattern, { resources: [] })).toBe(false);
    });

    it('matches nested patterns within one array element only', () => {
      const event = {
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
          { firstName: 'Peter', lastName: 'Jones' },
        ],
      };
      expect(matchesEventPattern({ employees: { firstName: ['Anna'] } }, event)).toBe(true);
      expect(
        matchesEventPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, event),
      ).toBe(true);
      expect(
        matchesEventPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, event),
      ).toBe(false);
    });

    it('treats an empty array under a nested pattern as an absent object', () => {
      const pattern = { employees: { firstName: [{ exists: false }] } };
      expect(matchesEventPattern(pattern, { employees: [] })).toBe(true);
      expect(matchesEventPattern(pattern, { employees: [{ firstName: 'Anna' }] })).toBe(false);
    });

    it('crushes multi-level arrays', () => {
      const event = {
        employees: [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]],
        tags: [['a', 'b'], ['c']],
      };
      expect(matchesEventPattern({ employees: { firstName: ['Peter'] } }, event)).toBe(true);
      expect(matchesEventPattern({ tags: ['c'] }, event)).toBe(true);
    });
  });

  describe('prefix', () => {
    it('matches string values that start with the prefix', () => {
      const pattern = { time: [{ prefix: '2017-10-02' }] };
      expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
      expect(matchesEventPattern(pattern, { time: '2017-10-03T00:00:00Z' })).toBe(false);
      expect(matchesEventPattern({ region: [{ prefix: 'us-' }] }, ec2Event)).toBe(true);
      expect(matchesEventPattern({ region: [{ prefix: 'eu-' }] }, ec2Event)).toBe(false);
    });

    it('works on strings only', () => {
      expect(matchesEventPattern({ n: [{ prefix: '1' }] }, { n: 12 })).toBe(false);
    });

    it('can ignore case', () => {
      const pattern = { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] };
      expect(matchesEventPattern(pattern, { service: 'EventBridge' })).toBe(true);
      expect(matchesEventPattern(pattern, { service: 'EVENTBRIDGE' })).toBe(true);
      expect(matchesEventPattern(pattern, { service: 'Lambda' })).toBe(false);
    });
  });

  describe('suffix', () => {
    it('matches string values that end with the suffix', () => {
      const pattern = { FileName: [{ suffix: '.png' }] };
      expect(matchesEventPattern(pattern, { FileName: 'image.png' })).toBe(true);
      expect(matchesEventPattern(pattern, { FileName: 'image.jpg' })).toBe(false);
      expect(matchesEventPattern(pattern, { FileName: 'image.PNG' })).toBe(false);
      expect(matchesEventPattern({ source: [{ suffix: 'ec2' }] }, ec2Event)).toBe(true);
    });

    it('can ignore case', () => {
      const pattern = { service: [{ suffix: { 'equals-ignore-case': 'tbridge' } }] };
      expect(matchesEventPattern(pattern, { service: 'EventBridge' })).toBe(true);
      expect(matchesEventPattern(pattern, { service: 'EVENTBRIDGE' })).toBe(true);
      expect(matchesEventPattern(pattern, { service: 'EventBus' })).toBe(false);
    });
  });

  describe('equals-ignore-case', () => {
    it('matches strings regardless of case', () => {
      const pattern = { Name: [{ 'equals-ignore-case': 'alice' }] };
      expect(matchesEventPattern(pattern, { Name: 'Alice' })).toBe(true);
      expect(matchesEventPattern(pattern, { Name: 'ALICE' })).toBe(true);
      expect(matchesEventPattern(pattern, { Name: 'Alicia' })).toBe(false);
      expect(matchesEventPattern({ source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, ec2Event)).toBe(
        true,
      );
    });
  });

  describe('wildcard', () => {
    it('matches any run of characters at the asterisk', () => {
      const pattern = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
      expect(
        matchesEventPattern(pattern, {
          EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/orders',
        }),
      ).toBe(true);
      expect(
        matchesEventPattern(pattern, {
          EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders',
        }),
      ).toBe(false);
    });

    it('matches across path separators and the empty string', () => {
      const pattern = { FilePath: [{ wildcard: 'dir/*.png' }] };
      expect(matchesEventPattern(pattern, { FilePath: 'dir/dir/dir/doc.png' })).toBe(true);
      expect(matchesEventPattern(pattern, { FilePath: 'dir/.png' })).toBe(true);
      expect(matchesEventPattern(pattern, { FilePath: 'other/doc.png' })).toBe(false);
      expect(
        matchesEventPattern(
          { source: [{ wildcard: 'Simple*Service' }] },
          { source: 'SimpleQueueService' },
        ),
      ).toBe(true);
    });

    it('treats escaped asterisks and backslashes literally and other characters verbatim', () => {
      expect(matchesEventPattern({ v: [{ wildcard: 'a\\*b' }] }, { v: 'a*b' })).toBe(true);
      expect(matchesEventPattern({ v: [{ wildcard: 'a\\*b' }] }, { v: 'axb' })).toBe(false);
      expect(matchesEventPattern({ v: [{ wildcard: 'a\\\\b' }] }, { v: 'a\\b' })).toBe(true);
      expect(matchesEventPattern({ v: [{ wildcard: 'a.b' }] }, { v: 'axb' })).toBe(false);
    });

    it('rejects consecutive wildcards and unknown escapes', () => {
      expect(() => validateEventPattern({ v: [{ wildcard: 'a**b' }] })).toThrow(
        InvalidEventPatternError,
      );
      expect(() => validateEventPattern({ v: [{ wildcard: 'a\\b' }] })).toThrow(
        InvalidEventPatternError,
      );
    });
  });

  describe('anything-but', () => {
    it('matches any string but the given one', () => {
      const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
      expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
      expect(matchesEventPattern(pattern, withDetail({ state: 'initializing' }))).toBe(false);
    });

    it('matches any number but the given one', () => {
      const pattern = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
      expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
      expect(matchesEventPattern(pattern, withDetail({ 'x-limit': 123 }))).toBe(false);
    });

    it('matches anything but a list of strings or numbers', () => {
      const strings = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
      expect(matchesEventPattern(strings, ec2Event)).toBe(true);
      expect(matchesEventPattern(strings, withDetail({ state: 'overloaded' }))).toBe(false);
      const numbers = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
      expect(matchesEventPattern(numbers, ec2Event)).toBe(true);
      expect(matchesEventPattern(numbers, withDetail({ 'x-limit': 200 }))).toBe(false);
    });

    it('matches anything but a prefix', () => {
      const pattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
      expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
      expect(matchesEventPattern(pattern, withDetail({ state: 'initializing' }))).toBe(false);
    });

    it('matches anything but a suffix', () => {
      const pattern = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
      expect(matchesEventPattern(pattern, { FileName: 'doc.txt' })).toBe(true);
      expect(matchesEventPattern(pattern, { FileName: 'image.png' })).toBe(false);
    });

    it('matches anything but a value in any case', () => {
      const pattern = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
      expect(matchesEventPattern(pattern, { state: 'running' })).toBe(true);
      expect(matchesEventPattern(pattern, { state: 'INITIALIZING' })).toBe(false);
      const list = { state: [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }] };
      expect(matchesEventPattern(list, { state: 'B' })).toBe(false);
      expect(matchesEventPattern(list, { state: 'c' })).toBe(true);
    });

    it('matches anything but a wildcard', () => {
      const pattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
      expect(matchesEventPattern(pattern, { FilePath: 'src/app/main.ts' })).toBe(true);
      expect(matchesEventPattern(pattern, { FilePath: 'src/lib/util.ts' })).toBe(false);
    });

    it('needs the field to be present', () => {
      const pattern = { detail: { missing: [{ 'anything-but': 'x' }] } };
      expect(matchesEventPattern(pattern, ec2Event)).toBe(false);
    });

    it('matches an event array if any element is not excluded', () => {
      const pattern = { tags: [{ 'anything-but': 'a' }] };
      expect(matchesEventPattern(pattern, { tags: ['a', 'b'] })).toBe(true);
      expect(matchesEventPattern(pattern, { tags: ['a'] })).toBe(false);
    });

    it('rejects mixed lists', () => {
      expect(() => validateEventPattern({ v: [{ 'anything-but': ['a', 1] }] })).toThrow(
        InvalidEventPatternError,
      );
    });
  });

  describe('numeric', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };

    it('matches numbers within every range', () => {
      expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
    });

    it('does not match numbers outside a range', () => {
      expect(matchesEventPattern(pattern, withDetail({ 'c-count': 0 }))).toBe(false);
      expect(matchesEventPattern(pattern, withDetail({ 'c-count': 6 }))).toBe(false);
      expect(matchesEventPattern(pattern, withDetail({ 'd-count': 10 }))).toBe(false);
      expect(matchesEventPattern(pattern, withDetail({ 'x-limit': 301.9 }))).toBe(false);
    });

    it('honours inclusive and exclusive bounds', () => {
      const range = { n: [{ numeric: ['>=', 1, '<', 2] }] };
      expect(matchesEventPattern(range, { n: 1 })).toBe(true);
      expect(matchesEventPattern(range, { n: 1.999 })).toBe(true);
      expect(matchesEventPattern(range, { n: 2 })).toBe(false);
      expect(matchesEventPattern(range, { n: 0.999 })).toBe(false);
    });

    it('matches JSON numbers only', () => {
      expect(matchesEventPattern({ n: [{ numeric: ['>', 0] }] }, { n: '5' })).toBe(false);
    });

    it('rejects malformed ranges', () => {
      for (const numeric of [
        [],
        ['>'],
        ['>', '1'],
        ['!=', 1],
        ['>', 1, '>', 2],
        ['=', 1, '<', 2],
      ]) {
        expect(() => validateEventPattern({ n: [{ numeric }] })).toThrow(InvalidEventPatternError);
      }
    });
  });

  describe('cidr', () => {
    it('matches IPv4 addresses in the block', () => {
      const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
      expect(matchesEventPattern(pattern, { detail: { sourceIPAddress: '10.0.0.255' } })).toBe(
        true,
      );
      expect(matchesEventPattern(pattern, { detail: { sourceIPAddress: '10.0.1.0' } })).toBe(false);
      expect(matchesEventPattern(pattern, { detail: { sourceIPAddress: 'not-an-ip' } })).toBe(
        false,
      );
      expect(
        matchesEventPattern({ detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, ec2Event),
      ).toBe(true);
    });

    it('matches IPv6 addresses in the block', () => {
      const pattern = { ip: [{ cidr: '2001:db8::/32' }] };
      expect(matchesEventPattern(pattern, { ip: '2001:db8:1::1' })).toBe(true);
      expect(matchesEventPattern(pattern, { ip: '2001:db9::1' })).toBe(false);
      expect(matchesEventPattern(pattern, { ip: '10.0.0.1' })).toBe(false);
    });

    it('rejects invalid blocks', () => {
      expect(() => validateEventPattern({ ip: [{ cidr: '10.0.0.0/33' }] })).toThrow(
        InvalidEventPatternError,
      );
      expect(() => validateEventPattern({ ip: [{ cidr: 'ten/8' }] })).toThrow(
        InvalidEventPatternError,
      );
    });
  });

  describe('exists', () => {
    it('exists: true matches a present leaf field only', () => {
      const pattern = { detail: { state: [{ exists: true }] } };
      expect(matchesEventPattern(pattern, ec2Event)).toBe(true);
      expect(matchesEventPattern(pattern, { detail: { 'c-count': { c1: 100 } } })).toBe(false);
      expect(matchesEventPattern(pattern, { detail: { state: { nested: 'x' } } })).toBe(false);
    });

    it('exists: false matches an absent field or an intermediate node', () => {
      const pattern = { detail: { 'c-count': [{ exists: false }] } };
      expect(matchesEventPattern(pattern, { detail: { state: ['initializing', 'running'] } })).toBe(
        true,
      );
      expect(
        matchesEventPattern(pattern, { detail: { state: 'running', 'c-count': { c1: 100 } } }),
      ).toBe(true);
      expect(matchesEventPattern(pattern, ec2Event)).toBe(false);
      expect(matchesEventPattern(pattern, { source: 'no detail at all' })).toBe(true);
    });

    it('treats an empty array as absent', () => {
      expect(matchesEventPattern({ tags: [{ exists: false }] }, { tags: [] })).toBe(true);
      expect(matchesEventPattern({ tags: [{ exists: true }] }, { tags: [] })).toBe(false);
    });
  });

  describe('$or', () => {
    it('matches if any branch matches', () => {
      const pattern = {
        detail: {
          $or: [
            { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
            { 'd-count': [{ numeric: ['<', 10] }] },
            { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
          ],
        },
      };
      expect(matchesEventPattern(pattern, withDetail({ 'c-count': 50, 'd-count': 50 }))).toBe(true);
      expect(
        matchesEventPattern(pattern, withDetail({ 'c-count': 50, 'd-count': 50, 'x-limit': 1 })),
      ).toBe(false);
    });

    it('combines with AND on sibling fields, in parallel and nested', () => {
      const pattern = {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization', 'ReadLatency'] },
          {
            metricType: ['MetricType'],
            namespace: ['AWS/EC2', 'AWS/ES'],
            $or: [{ metricId: [1234] }, { spaceId: [1000] }],
          },
          { scope: ['Service'] },
        ],
      };
      const base = { source: 'aws.cloudwatch' };
      expect(matchesEventPattern(pattern, { ...base, metricName: 'ReadLatency' })).toBe(true);
      expect(matchesEventPattern(pattern, { ...base, scope: 'Service' })).toBe(true);
      expect(
        matchesEventPattern(pattern, {
          ...base,
          metricType: 'MetricType',
          namespace: 'AWS/ES',
          spaceId: 1000,
        }),
      ).toBe(true);
      expect(
        matchesEventPattern(pattern, { ...base, metricType: 'MetricType', namespace: 'AWS/ES' }),
      ).toBe(false);
      expect(matchesEventPattern(pattern, { source: 'aws.ec2', metricName: 'ReadLatency' })).toBe(
        false,
      );
    });

    it('is an ordinary field name unless it holds two or more patterns', () => {
      const pattern = { $or: { metricType: ['MetricType'] } };
      expect(matchesEventPattern(pattern, { $or: { metricType: 'MetricType' } })).toBe(true);
      expect(matchesEventPattern(pattern, { metricType: 'MetricType' })).toBe(false);
    });
  });

  describe('DynamoDB stream records (Pipes filter criteria)', () => {
    const filter = {
      eventName: ['INSERT'],
      dynamodb: { NewImage: { recordType: { S: ['outbox'] } } },
    };
    const record = (eventName: string, recordType: string) => ({
      eventName,
      eventSource: 'aws:dynamodb',
      dynamodb: { Keys: { pk: { S: 'a' } }, NewImage: { recordType: { S: recordType } } },
    });

    it('selects inserted items of the wanted type only', () => {
      expect(matchesEventPattern(filter, record('INSERT', 'outbox'))).toBe(true);
      expect(matchesEventPattern(filter, record('MODIFY', 'outbox'))).toBe(false);
      expect(matchesEventPattern(filter, record('INSERT', 'incident'))).toBe(false);
      expect(matchesEventPattern(filter, { eventName: 'REMOVE', dynamodb: { Keys: {} } })).toBe(
        false,
      );
    });
  });

  describe('validation', () => {
    it.each([
      ['a non-object pattern', ['source']],
      ['an empty pattern', {}],
      ['a scalar field value', { source: 'aws.ec2' }],
      ['an empty list of values', { source: [] }],
      ['an unknown operator', { source: [{ contains: 'ec2' }] }],
      ['two operators in one condition', { source: [{ prefix: 'a', suffix: 'b' }] }],
      ['a non-boolean exists', { source: [{ exists: 'yes' }] }],
      ['a nested array condition', { source: [['aws.ec2']] }],
    ])('rejects %s', (_label, pattern) => {
      expect(() => validateEventPattern(pattern)).toThrow(InvalidEventPatternError);
      expect(() => matchesEventPattern(pattern, ec2Event)).toThrow(InvalidEventPatternError);
    });

    it('compiles once and matches many events', () => {
      const matches = compileEventPattern({ detail: { state: ['running'] } });
      expect(matches(ec2Event)).toBe(true);
      expect(matches(withDetail({ state: 'stopped' }))).toBe(false);
      expect(matches('not an object')).toBe(false);
    });
  });
});
