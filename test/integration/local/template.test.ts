import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID, LOCAL_ISSUER } from '../../../local/keys';
import { readWiring, TemplateWiringError } from '../../../local/template';
import { FIXTURE, writeFixtureAssembly } from './fixture-assembly';

const dirs: string[] = [];
function assembly(overrides?: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wiring-'));
  dirs.push(dir);
  return writeFixtureAssembly(dir, overrides);
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const options = { sqsEndpoint: 'http://127.0.0.1:4566', apiUrl: 'http://127.0.0.1:3000' };

describe('readWiring', () => {
  it('resolves function environments across stacks to local names, ARNs and URLs', () => {
    const dir = assembly();
    const wiring = readWiring(dir, options);
    const fn = wiring.functions.find((f) => f.logicalId === FIXTURE.docsFunction);
    expect(fn).toMatchObject({
      name: `fixture-stateless-${FIXTURE.docsFunction}`,
      arn: `arn:aws:lambda:us-east-1:000000000000:function:fixture-stateless-${FIXTURE.docsFunction}`,
      assetDir: join(dir, `asset.${FIXTURE.assetHash}`),
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      timeoutSeconds: 2,
      memoryMb: 512,
    });
    const queueName = `fixture-stateless-${FIXTURE.workQueue}`;
    expect(fn?.environment).toEqual({
      TABLE_NAME: `Stateful-${FIXTURE.table}`,
      BUS_NAME: 'itsm-dev',
      TABLE_ARN: `arn:aws:dynamodb:us-east-1:000000000000:table/Stateful-${FIXTURE.table}`,
      WORK_QUEUE_URL: `http://127.0.0.1:4566/000000000000/${queueName}`,
      SUBBED: `us-east-1-x-Stateful-${FIXTURE.table}-\${Literal}`,
      JOINED: `a/000000000000/${queueName}`,
      POWERTOOLS_SERVICE_NAME: 'fixture',
    });
  });

  it('reads buses and whether an archive keeps their events', () => {
    expect(readWiring(assembly(), options).buses).toEqual([
      {
        logicalId: FIXTURE.bus,
        name: 'itsm-dev',
        arn: 'arn:aws:events:us-east-1:000000000000:event-bus/itsm-dev',
        archived: true,
      },
    ]);
  });

  it('skips functions that are not Node.js', () => {
    const wiring = readWiring(assembly(), options);
    expect(wiring.functions.map((f) => f.logicalId).sort()).toEqual(
      [FIXTURE.apiFunction, FIXTURE.docsFunction].sort(),
    );
  });

  it('reads tables with the properties ensureTable needs', () => {
    const [table] = readWiring(assembly(), options).tables;
    expect(table).toMatchObject({
      logicalId: FIXTURE.table,
      name: `Stateful-${FIXTURE.table}`,
      streamArn: `arn:aws:dynamodb:us-east-1:000000000000:table/Stateful-${FIXTURE.table}/stream/local`,
    });
    expect(table?.properties.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table?.properties.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byNumber');
    expect(table?.properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  it('maps routes to functions with the JWT authorizer resolved to the local issuer', () => {
    const api = readWiring(assembly(), options).api;
    const routes = Object.fromEntries(api?.routes.map((r) => [r.routeKey, r]) ?? []);
    expect(routes['GET /incidents']).toEqual({
      routeKey: 'GET /incidents',
      functionLogicalId: FIXTURE.apiFunction,
      authorizer: {
        logicalId: 'ApiAuth3D21DCFE',
        issuer: LOCAL_ISSUER,
        audience: [LOCAL_CLIENT_ID],
        identitySource: ['$request.header.Authorization'],
      },
      authorizationScopes: ['itsm/incidents.read'],
    });
    expect(routes['GET /incidents/{id}']?.authorizationScopes).toEqual([]);
    expect(routes['GET /openapi.json']).toMatchObject({
      functionLogicalId: FIXTURE.docsFunction,
      authorizer: undefined,
    });
    expect(api?.cors).toMatchObject({ allowOrigins: ['*'], allowMethods: ['*'] });
  });

  it('reads enabled rules with patterns, schedules and classified targets', () => {
    const wiring = readWiring(assembly(), options);
    expect(wiring.rules.map((r) => r.id).sort()).toEqual(['Hourly', 'OnCreated']);
    const onCreated = wiring.rules.find((r) => r.id === 'OnCreated');
    expect(onCreated).toEqual({
      id: 'OnCreated',
      eventBusName: 'itsm-dev',
      pattern: { source: ['itsm.incidents'], 'detail-type': ['IncidentCreated'] },
      targets: [
        {
          id: 'Target0',
          kind: 'sqs',
          arn: `arn:aws:sqs:us-east-1:000000000000:fixture-stateless-${FIXTURE.workQueue}`,
          deadLetterArn: `arn:aws:sqs:us-east-1:000000000000:fixture-stateless-${FIXTURE.eventsDlq}`,
        },
      ],
    });
    const hourly = wiring.rules.find((r) => r.id === 'Hourly');
    expect(hourly).toMatchObject({
      eventBusName: 'default',
      schedule: 'rate(1 hour)',
      targets: [{ kind: 'lambda', input: '{"a":1}' }],
    });
    expect(wiring.classify(hourly?.targets[0]?.arn ?? '')).toMatchObject({
      kind: 'function',
      logicalId: FIXTURE.docsFunction,
    });
  });

  it('reads queues with their redrive policy and the queue-to-function mappings', () => {
    const wiring = readWiring(assembly(), options);
    expect(wiring.queues.find((q) => q.logicalId === FIXTURE.workQueue)).toMatchObject({
      name: `fixture-stateless-${FIXTURE.workQueue}`,
      fifo: false,
      visibilityTimeoutSeconds: 60,
      deadLetter: { targetLogicalId: FIXTURE.workDlq, maxReceiveCount: 3 },
    });
    expect(wiring.eventSourceMappings).toEqual([
      {
        logicalId: 'WorkEventSource',
        queueLogicalId: FIXTURE.workQueue,
        functionLogicalId: FIXTURE.docsFunction,
        batchSize: 5,
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: true,
        enabled: true,
      },
    ]);
  });

  it('reads the outbox pipe from the table stream to the bus', () => {
    expect(readWiring(assembly(), options).pipes).toEqual([
      {
        logicalId: 'Outbox',
        sourceTableLogicalId: FIXTURE.table,
        filters: [{ eventName: ['INSERT'] }],
        batchSize: 10,
        startingPosition: 'LATEST',
        maximumRetryAttempts: 10,
        enrichmentFunctionLogicalId: FIXTURE.docsFunction,
        targetBusLogicalId: FIXTURE.bus,
        targetBusName: 'itsm-dev',
        inputTemplate: '<$.detail>',
        detailType: '$.detailType',
        source: '$.source',
      },
    ]);
  });

  it('resolves state machine definitions to local ARNs', () => {
    const [machine] = readWiring(assembly(), options).stateMachines;
    expect(JSON.parse(machine?.definition ?? '{}').States.Call).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:fixture-stateless-${FIXTURE.docsFunction}`,
      },
    });
  });

  it('classifies names, ARNs and URLs, and anything else as external', () => {
    const wiring = readWiring(assembly(), options);
    expect(wiring.classify(`fixture-stateless-${FIXTURE.docsFunction}`)).toMatchObject({
      kind: 'function',
      logicalId: FIXTURE.docsFunction,
    });
    expect(wiring.classify('arn:aws:sns:us-east-1:1:topic')).toEqual({
      kind: 'external',
      arn: 'arn:aws:sns:us-east-1:1:topic',
    });
  });

  it('names the resource when an intrinsic has no local meaning', () => {
    const dir = assembly({
      [FIXTURE.docsFunction]: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Key: `${FIXTURE.assetHash}.zip` },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
          Environment: { Variables: { SECRET: { Ref: 'SomeSecret' } } },
        },
      },
      SomeSecret: { Type: 'AWS::SecretsManager::Secret' },
    });
    expect(() => readWiring(dir, options)).toThrow(TemplateWiringError);
    expect(() => readWiring(dir, options)).toThrow(
      `fixture-stateless/${FIXTURE.docsFunction}: the local runtime has no value for Ref of SomeSecret (AWS::SecretsManager::Secret).`,
    );
  });

  it('rejects intrinsics it does not implement', () => {
    const dir = assembly({
      [FIXTURE.docsFunction]: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { S3Key: `${FIXTURE.assetHash}.zip` },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
          Environment: { Variables: { X: { 'Fn::If': ['Cond', 'a', 'b'] } } },
        },
      },
    });
    expect(() => readWiring(dir, options)).toThrow(/cannot resolve Fn::If/);
  });

  it('fails clearly on a directory without an assembly', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-assembly-'));
    dirs.push(empty);
    expect(() => readWiring(empty, options)).toThrow(/manifest.json is missing/);
  });
});
