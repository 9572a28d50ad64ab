import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../../local/dynamodb';
import { loadSigningKey, mintToken } from '../../../local/keys';
import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime';
import { FIXTURE, writeFixtureAssembly } from './fixture-assembly';

let dir: string;
let assemblyDir: string;
let runtime: LocalRuntime;
const lines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runtime-'));
  assemblyDir = writeFixtureAssembly(join(dir, 'assembly'));
  runtime = await startLocalRuntime({
    dataDir: join(dir, 'data'),
    apiPort: 0,
    inMemory: true,
    assemblyDir,
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function eventually(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out; log:\n${lines.join('\n')}`);
    await sleep(100);
  }
}

describe('the local runtime', () => {
  it('serves public routes through the function with its resolved environment', async () => {
    const response = await fetch(`${runtime.apiUrl}/openapi.json`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      event: { routeKey: string };
      env: Record<string, string>;
    };
    expect(body.event.routeKey).toBe('GET /openapi.json');
    expect(body.env.TABLE_NAME).toBe(runtime.tableNames[FIXTURE.table]);
    expect(lines).toContainEqual(expect.stringMatching(/^GET \/openapi\.json 200 \d+ms$/));
  });

  it('protects routes with tokens signed by the key in the data dir', async () => {
    expect((await fetch(`${runtime.apiUrl}/incidents`)).status).toBe(401);
    const token = await mintToken(await loadSigningKey(join(dir, 'data')), { role: 'agent' });
    const response = await fetch(`${runtime.apiUrl}/incidents`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ routeKey: 'GET /incidents' });
  });

  it('carries an outbox write through pipe, enrichment, bus, rule, queue and consumer', async () => {
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: runtime.dynamoEndpoint });
    await client.send(
      new PutItemCommand({
        TableName: runtime.tableNames[FIXTURE.table],
        Item: { pk: { S: 'INC-1' }, sk: { S: 'x' } },
      }),
    );
    client.destroy();
    await runtime.drain();
    await eventually(() =>
      lines.some((line) => line.includes('consumed') && line.includes('INC-1')),
    );
    const consumed = lines.find((line) => line.includes('consumed'));
    expect(consumed).toMatch(/^\[DocsFn\] consumed /);
    expect(JSON.parse(consumed?.replace(/^.*consumed /, '') ?? '{}')).toMatchObject({
      source: 'itsm.incidents',
      'detail-type': 'IncidentCreated',
      detail: { id: 'INC-1' },
    });
  });

  it('refuses a template whose authorizer trusts another issuer', async () => {
    const otherDir = writeFixtureAssembly(join(dir, 'foreign-issuer'), {
      ApiAuth3D21DCFE: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: { Ref: 'ApiF70053CD' },
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: { Audience: ['x'], Issuer: 'https://issuer.example' },
        },
      },
    });
    await expect(
      startLocalRuntime({
        dataDir: join(dir, 'data2'),
        apiPort: 0,
        inMemory: true,
        assemblyDir: otherDir,
        log: () => {},
      }),
    ).rejects.toThrow(/trusts issuer https:\/\/issuer\.example/);
  });
});

describe('a persistent data dir', () => {
  it('keeps the data and the signing key between runs', async () => {
    const dataDir = join(dir, 'persistent');
    const options = { dataDir, apiPort: 0, assemblyDir, log: () => {} };
    const first = await startLocalRuntime(options);
    const key = await loadSigningKey(dataDir);
    const tableName = first.tableNames[FIXTURE.table];
    let client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: first.dynamoEndpoint });
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'kept' }, sk: { S: 'x' } } }),
    );
    client.destroy();
    await first.stop();

    const second = await startLocalRuntime(options);
    try {
      client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: second.dynamoEndpoint });
      const { Item } = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'kept' }, sk: { S: 'x' } } }),
      );
      client.destroy();
      expect(Item?.pk?.S).toBe('kept');
      expect(await loadSigningKey(dataDir)).toEqual(key);
    } finally {
      await second.stop();
    }
  });
});
