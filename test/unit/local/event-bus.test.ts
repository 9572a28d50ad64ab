import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  type EventBridgeEvent,
  InvalidEventError,
  LocalEventBus,
  type LocalEventBusOptions,
  type LocalRule,
  type LocalRuleTarget,
  readJsonPath,
  renderInputTemplate,
  targetInput,
  UnknownRuleError,
} from '../../../local/event-bus';

const queueTarget: LocalRuleTarget = {
  id: 'Target0',
  arn: 'arn:aws:sqs:us-east-1:000000000000:notify',
  kind: 'sqs',
};

function rule(overrides: Partial<LocalRule> = {}): LocalRule {
  return {
    id: 'IncidentCreatedRule',
    eventBusName: 'itsm',
    pattern: { source: ['itsm.incidents'], 'detail-type': ['IncidentCreated'] },
    targets: [queueTarget],
    ...overrides,
  };
}

interface Delivery {
  target: LocalRuleTarget;
  event: EventBridgeEvent;
  rule: LocalRule;
  input: string;
}

function createBus(options: Partial<LocalEventBusOptions> = {}) {
  const deliveries: Delivery[] = [];
  const logger = { warn: vi.fn(), error: vi.fn() };
  const bus = new LocalEventBus({
    busName: 'itsm',
    rules: [rule()],
    dispatch: async (target, event, matchedRule, input) => {
      deliveries.push({ target, event, rule: matchedRule, input });
    },
    retry: { attempts: 3, baseDelayMs: 1 },
    logger,
    ...options,
  });
  return { bus, deliveries, logger };
}

const created = { source: 'itsm.incidents', detailType: 'IncidentCreated', detail: { id: 'INC1' } };

describe('LocalEventBus', () => {
  it('wraps entries in the EventBridge envelope and returns their ids', async () => {
    const { bus, deliveries } = createBus({ account: '123456789012', region: 'eu-west-1' });
    const { eventIds } = await bus.put([created]);
    await bus.drain();

    expect(eventIds).toHaveLength(1);
    expect(deliveries).toHaveLength(1);
    const event = deliveries[0]?.event;
    expect(event).toEqual({
      version: '0',
      id: eventIds[0],
      'detail-type': 'IncidentCreated',
      source: 'itsm.incidents',
      account: '123456789012',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: 'eu-west-1',
      resources: [],
      detail: { id: 'INC1' },
    });
    expect(eventIds[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('delivers only to rules on this bus whose pattern matches', async () => {
    const other = rule({ id: 'OtherBusRule', eventBusName: 'default' });
    const arnRule = rule({
      id: 'ByArn',
      eventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/itsm',
    });
    const scheduled = rule({ id: 'Nightly', pattern: undefined, schedule: 'rate(1 day)' });
    const { bus, deliveries } = createBus({ rules: [rule(), other, arnRule, scheduled] });

    await bus.put([created, { ...created, detailType: 'IncidentResolved' }]);
    await bus.drain();

    expect(deliveries.map((d) => d.rule.id).sort()).toEqual(['ByArn', 'IncidentCreatedRule']);
    expect(bus.scheduleRules()).toEqual([{ id: 'Nightly', schedule: 'rate(1 day)' }]);
  });

  it('delivers the event as JSON when the target has no input settings', async () => {
    const { bus, deliveries } = createBus();
    await bus.put([created]);
    await bus.drain();
    expect(JSON.parse(deliveries[0]?.input ?? '')).toEqual(deliveries[0]?.event);
  });

  it('accepts the detail as JSON text but only a JSON object', async () => {
    const { bus, deliveries } = createBus();
    await bus.put([{ ...created, detail: '{"id":"INC2"}' }]);
    await bus.drain();
    expect(deliveries[0]?.event.detail).toEqual({ id: 'INC2' });
    await expect(bus.put([{ ...created, detail: '[1]' }])).rejects.toThrow(InvalidEventError);
    await expect(bus.put([{ ...created, detail: 'not json' }])).rejects.toThrow(InvalidEventError);
  });

  it('retries a failing delivery with backoff until it succeeds', async () => {
    let calls = 0;
    const { bus, logger } = createBus({
      dispatch: async () => {
        calls++;
        if (calls < 3) throw new Error('target unavailable');
      },
    });
    await bus.put([created]);
    await bus.drain();
    expect(calls).toBe(3);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('logs an undeliverable event and hands it to the dead-letter handler', async () => {
    const deadLetter = vi.fn(async () => {});
    const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:rule-dlq';
    const failure = new Error('always down');
    let calls = 0;
    const { bus, logger } = createBus({
      rules: [rule({ targets: [{ ...queueTarget, deadLetterArn: dlqArn }] })],
      dispatch: async () => {
        calls++;
        throw failure;
      },
      deadLetter,
    });
    const { eventIds } = await bus.put([created]);
    await bus.drain();

    expect(calls).toBe(3);
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining(eventIds[0] as string));
    expect(deadLetter).toHaveBeenCalledWith(
      expect.objectContaining({
        deadLetterArn: dlqArn,
        event: expect.objectContaining({ id: eventIds[0] }),
        error: failure,
      }),
    );
  });

  it('only logs an undeliverable event when the target has no dead-letter queue', async () => {
    const deadLetter = vi.fn(async () => {});
    const { bus, logger } = createBus({
      dispatch: async () => {
        throw new Error('down');
      },
      deadLetter,
    });
    await bus.put([created]);
    await bus.drain();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(deadLetter).not.toHaveBeenCalled();
  });

  it('appends every put event to the archive as a JSON line', async () => {
    const archiveFile = join(await mkdtemp(join(tmpdir(), 'bus-')), 'nested', 'archive.jsonl');
    const { bus } = createBus({ archiveFile });
    const first = await bus.put([created]);
    const second = await bus.put([{ ...created, detailType: 'Unrouted' }]);

    const lines = (await readFile(archiveFile, 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).id)).toEqual([
      ...first.eventIds,
      ...second.eventIds,
    ]);
  });

  it('delivers a Scheduled Event to the targets of a schedule rule', async () => {
    const scheduled = rule({ id: 'Nightly', pattern: undefined, schedule: 'rate(1 day)' });
    const { bus, deliveries } = createBus({ rules: [scheduled] });
    await bus.dispatchScheduledEvent('Nightly');

    expect(deliveries[0]?.event).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/itsm/Nightly'],
      detail: {},
    });
    await expect(bus.dispatchScheduledEvent('Missing')).rejects.toThrow(UnknownRuleError);
  });

  it('applies the target input transformation before dispatching', async () => {
    const { bus, deliveries } = createBus({
      rules: [rule({ targets: [{ ...queueTarget, inputPath: '$.detail' }] })],
    });
    await bus.put([created]);
    await bus.drain();
    expect(deliveries[0]?.input).toBe('{"id":"INC1"}');
  });
});

describe('targetInput', () => {
  // The EC2 example of the EventBridge guide, "Transforming target input".
  const event: EventBridgeEvent = {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2015-11-11T21:29:54Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
    detail: { 'instance-id': 'i-0123456789', state: 'RUNNING' },
  };
  const ruleInfo = {
    ruleArn: 'arn:aws:events:us-east-2:123456789012:rule/example',
    ruleName: 'example',
  };
  const InputPathsMap = {
    timestamp: '$.time',
    instance: '$.detail.instance-id',
    state: '$.detail.state',
  };
  const transform = (InputTemplate: string) =>
    targetInput({ inputTransformer: { InputPathsMap, InputTemplate } }, event, ruleInfo);

  it('sends constant Input as it is', () => {
    expect(targetInput({ input: '{"fixed":true}' }, event, ruleInfo)).toBe('{"fixed":true}');
  });

  it('sends the part of the event selected by InputPath', () => {
    expect(targetInput({ inputPath: '$.detail.state' }, event, ruleInfo)).toBe('"RUNNING"');
    expect(targetInput({ inputPath: '$.resources[0]' }, event, ruleInfo)).toBe(
      '"arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"',
    );
  });

  it('fills a simple string template', () => {
    expect(transform('"instance <instance> is in <state>"')).toBe(
      '"instance i-0123456789 is in RUNNING"',
    );
  });

  it('quotes string variables outside JSON strings', () => {
    expect(JSON.parse(transform('{"instance" : <instance>, "state": <state>}'))).toEqual({
      instance: 'i-0123456789',
      state: 'RUNNING',
    });
  });

  it('mixes variables, strings and static values and minifies the JSON', () => {
    const output = transform(
      '{\n "instance" : <instance>,\n "state": [ 9, <state>, true ],\n "status": "instance \\"<instance>\\" is in <state>",\n "Transformed" : "Yes"\n}',
    );
    expect(output).toBe(
      '{"instance":"i-0123456789","state":[9,"RUNNING",true],"status":"instance \\"i-0123456789\\" is in RUNNING","Transformed":"Yes"}',
    );
  });

  it('provides the predefined variables', () => {
    const output = JSON.parse(
      transform(
        '{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "originalEvent": <aws.events.event>}',
      ),
    );
    expect(output).toEqual({
      ruleArn: ruleInfo.ruleArn,
      ruleName: 'example',
      originalEvent: event,
    });
    expect(transform('"<aws.events.rule-name> triggered"')).toBe('"example triggered"');
  });

  it('sends non-JSON output as text and fills missing variables with null', () => {
    expect(transform('at <timestamp>')).toBe('at "2015-11-11T21:29:54Z"');
    const missing = targetInput(
      {
        inputTransformer: {
          InputPathsMap: { gone: '$.detail.gone' },
          InputTemplate: '{"a": <gone>, "b": "x<gone>y"}',
        },
      },
      event,
      ruleInfo,
    );
    expect(JSON.parse(missing)).toEqual({ a: null, b: 'xy' });
  });

  it('leaves angle brackets that name no variable alone', () => {
    expect(transform('"a <b> c <state>"')).toBe('"a <b> c RUNNING"');
  });
});

describe('renderInputTemplate (Pipes syntax)', () => {
  const enriched = {
    source: 'itsm.incidents',
    detailType: 'Created',
    detail: { id: 'INC1', n: 2 },
  };
  const lookup = (name: string) =>
    name.startsWith('$') ? { value: readJsonPath(enriched, name) } : undefined;

  it('inserts JSON paths as JSON values', () => {
    expect(renderInputTemplate('<$.detail>', lookup)).toBe('{"id":"INC1","n":2}');
    expect(renderInputTemplate('{"d": <$.detail.n>, "s": "<$.source>"}', lookup)).toBe(
      '{"d": 2, "s": "itsm.incidents"}',
    );
  });
});

describe('readJsonPath', () => {
  const value = { a: { 'b-c': [10, { d: 'x' }] }, 'dotted.key': 1 };

  it('reads dotted, indexed and quoted paths', () => {
    expect(readJsonPath(value, '$')).toBe(value);
    expect(readJsonPath(value, '$.a.b-c[0]')).toBe(10);
    expect(readJsonPath(value, '$.a.b-c[1].d')).toBe('x');
    expect(readJsonPath(value, "$['dotted.key']")).toBe(1);
  });

  it('returns undefined for missing paths and rejects unsupported syntax', () => {
    expect(readJsonPath(value, '$.a.missing.deeper')).toBeUndefined();
    expect(readJsonPath(value, '$.a.b-c[5]')).toBeUndefined();
    expect(() => readJsonPath(value, 'a.b')).toThrow();
    expect(() => readJsonPath(value, '$..a')).toThrow();
  });
});
