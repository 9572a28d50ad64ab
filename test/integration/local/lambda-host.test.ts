import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LambdaHost,
  LambdaInvocationError,
  startLambdaHost,
} from '../../../local/lambda-host';
import { type LocalFunction, readWiring } from '../../../local/template';
import { FIXTURE, writeFixtureAssembly } from './fixture-assembly';

let dir: string;
let host: LambdaHost;
let fn: LocalFunction;
const logs: string[] = [];

beforeAll(() => {
  dir = writeFixtureAssembly(mkdtempSync(join(tmpdir(), 'lambda-host-')));
  const wiring = readWiring(dir, { sqsEndpoint: 'http://127.0.0.1:4566' });
  fn = wiring.functions.find((f) => f.logicalId === FIXTURE.docsFunction) as LocalFunction;
  host = startLambdaHost({
    functions: [
      fn,
      { ...fn, logicalId: 'Missing', handler: 'index.nope' },
      { ...fn, logicalId: 'Slow', timeoutSeconds: 1 },
    ],
    environment: { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1', TABLE_NAME: 'overridden' },
    maxConcurrencyPerFunction: 2,
    onLog: (_fn, line) => logs.push(line),
  });
});

afterAll(async () => {
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Echo {
  event: unknown;
  env: Record<string, string>;
  context: {
    functionName: string;
    awsRequestId: string;
    memoryLimitInMB: string;
    remaining: number;
  };
  invocations: number;
  loadedAt: number;
}

describe('the Lambda host', () => {
  it('runs the bundle with the resolved environment and a Lambda context', async () => {
    const result = (await host.invoke(
      fn.logicalId,
      { hello: 'world' },
      { awsRequestId: 'req-1' },
    )) as Echo;
    expect(result.event).toEqual({ hello: 'world' });
    expect(result.env).toEqual({
      TABLE_NAME: `Stateful-${FIXTURE.table}`,
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
    });
    expect(result.context).toMatchObject({
      functionName: fn.name,
      awsRequestId: 'req-1',
      memoryLimitInMB: '512',
    });
    expect(result.context.remaining).toBeGreaterThan(1000);
    expect(result.context.remaining).toBeLessThanOrEqual(2000);
  });

  it('keeps module scope between invocations like a warm Lambda', async () => {
    const first = (await host.invoke(fn.logicalId, {})) as Echo;
    const second = (await host.invoke(fn.logicalId, {})) as Echo;
    expect(second.loadedAt).toBe(first.loadedAt);
    expect(second.invocations).toBe(first.invocations + 1);
  });

  it('serves concurrent invocations from separate environments', async () => {
    const started = Date.now();
    const results = await Promise.all([
      host.invoke(fn.logicalId, { behaviour: 'sleep', ms: 500 }),
      host.invoke(fn.logicalId, { behaviour: 'sleep', ms: 500 }),
    ]);
    expect(results).toEqual([{ slept: 500 }, { slept: 500 }]);
    expect(Date.now() - started).toBeLessThan(950);
  });

  it('rejects with the error of a failing handler and keeps the environment', async () => {
    const before = (await host.invoke(fn.logicalId, {})) as Echo;
    const failure = host.invoke(fn.logicalId, { behaviour: 'fail' });
    await expect(failure).rejects.toBeInstanceOf(LambdaInvocationError);
    await expect(failure).rejects.toMatchObject({ errorType: 'TypeError', message: 'it broke' });
    const after = (await host.invoke(fn.logicalId, {})) as Echo;
    expect(after.loadedAt).toBe(before.loadedAt);
  });

  it('times out after the function timeout and starts a fresh environment', async () => {
    await host.invoke('Slow', {});
    const started = Date.now();
    await expect(host.invoke('Slow', { behaviour: 'sleep', ms: 5000 })).rejects.toMatchObject({
      errorType: 'Sandbox.Timedout',
      message: expect.stringContaining('Task timed out after 1.00 seconds'),
    });
    expect(Date.now() - started).toBeLessThan(3000);
    const fresh = (await host.invoke('Slow', {})) as Echo;
    expect(fresh.invocations).toBe(1);
  });

  it('returns null for an undefined result', async () => {
    await expect(host.invoke(fn.logicalId, { behaviour: 'undefined' })).resolves.toBeNull();
  });

  it('enforces the 6 MB response limit', async () => {
    await expect(host.invoke(fn.logicalId, { behaviour: 'huge' })).rejects.toMatchObject({
      errorType: 'Function.ResponseSizeTooLarge',
    });
  });

  it('reports a runtime exit and recovers on the next invocation', async () => {
    await expect(host.invoke(fn.logicalId, { behaviour: 'exit' })).rejects.toMatchObject({
      errorType: 'Runtime.ExitError',
    });
    await expect(host.invoke(fn.logicalId, {})).resolves.toMatchObject({ event: {} });
  });

  it('fails the invocation when the handler is not exported', async () => {
    await expect(host.invoke('Missing', {})).rejects.toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
    });
  });

  it('rejects unknown functions', async () => {
    await expect(host.invoke('Nope', {})).rejects.toThrow('No function Nope in the template.');
  });
});
