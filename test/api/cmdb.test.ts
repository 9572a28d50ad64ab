import { beforeAll, describe, expect, it } from 'vitest';
import { ec2InstanceItem } from '../unit/cmdb/aws-config-items';
import { api, tokenFor } from './support/client';

/** The CMDB through the local runtime: gateway, authorizer, function, DynamoDB Local. */
let agent: string;
let requester: string;
let cmdbReader: string;

beforeAll(async () => {
  agent = await tokenFor('agent');
  requester = await tokenFor('requester', `requester-${crypto.randomUUID()}`);
  cmdbReader = await tokenFor('client', 'inventory-reader', { scope: 'itsm/cmdb.read' });
});

async function createCi(body: Record<string, unknown>) {
  const response = await api<{ id: string; version: number }>('POST', '/cis', {
    token: agent,
    body: { criticality: 2, environment: 'production', lifecycleState: 'operational', ...body },
  });
  expect(response.status).toBe(201);
  return response.body;
}

describe('the CMDB API', () => {
  it('relates CIs and answers what a failure impacts', async () => {
    const app = await createCi({
      ciClass: 'application',
      name: `orders-${crypto.randomUUID().slice(0, 6)}`,
    });
    const server = await createCi({ ciClass: 'server', name: 'host-1' });
    const related = await api('POST', `/cis/${server.id}/relationships`, {
      token: agent,
      body: { type: 'runs', target: app.id },
    });
    expect(related.status).toBe(201);
    const impact = await api<{ impacted: { ciId: string; depth: number }[] }>(
      'GET',
      `/cis/${server.id}/impact`,
      {
        token: agent,
      },
    );
    expect(impact.status).toBe(200);
    expect(impact.body.impacted).toEqual([expect.objectContaining({ ciId: app.id, depth: 1 })]);
    const removed = await api('DELETE', `/cis/${app.id}/relationships/runs_on/${server.id}`, {
      token: agent,
    });
    expect(removed.status).toBe(204);
    const after = await api<{ impacted: unknown[] }>('GET', `/cis/${server.id}/impact`, {
      token: agent,
    });
    expect(after.body.impacted).toEqual([]);
  });

  it('lets people and cmdb.read clients read, and only agents write', async () => {
    const ci = await createCi({ ciClass: 'database', name: 'orders-db' });
    expect((await api('GET', `/cis/${ci.id}`, { token: requester })).status).toBe(200);
    expect((await api('GET', `/cis/${ci.id}`, { token: cmdbReader })).status).toBe(200);
    const write = { ciClass: 'server', name: 'not-allowed', criticality: 3, environment: 'test' };
    expect((await api('POST', '/cis', { token: requester, body: write })).status).toBe(403);
    expect((await api('POST', '/cis', { token: cmdbReader, body: write })).status).toBe(403);
    expect((await api('GET', `/cis/${ci.id}`)).status).toBe(401);
  });

  it('imports an AWS Config item once: the same document again changes nothing', async () => {
    const item = { ...ec2InstanceItem(), resourceId: `i-${crypto.randomUUID().slice(0, 8)}` };
    const first = await api<{ items: { outcome: string; ciId: string }[] }>('POST', '/cis/import', {
      token: agent,
      body: item,
    });
    expect(first.status).toBe(200);
    expect(first.body.items[0]?.outcome).toBe('created');
    const again = await api<{ items: { outcome: string }[] }>('POST', '/cis/import', {
      token: agent,
      body: [item],
    });
    expect(again.body.items[0]?.outcome).toBe('unchanged');
    const ci = await api<{ version: number }>('GET', `/cis/${first.body.items[0]?.ciId}`, {
      token: agent,
    });
    expect(ci.body.version).toBe(1);
  });
});
