import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createCi } from '../../../functions/cmdb/use-cases';
import type { Principal } from '../../../shared/auth';

export const agent: Principal = { id: 'agent-1', kind: 'user', role: 'agent', scopes: new Set() };
export const admin: Principal = { id: 'admin-1', kind: 'user', role: 'admin', scopes: new Set() };
export const requesterPrincipal = (id = `requester-${crypto.randomUUID()}`): Principal => ({
  id,
  kind: 'user',
  role: 'requester',
  scopes: new Set(),
});

export const ctx = (principal: Principal = agent, now = new Date().toISOString()) => ({
  principal,
  now,
});

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** Outbox events of one aggregate, read with a Scan: fine in a test, never in the product. */
export async function outboxEventsOf(aggregateId: string) {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: process.env.TABLE_NAME,
        FilterExpression: 'recordType = :outbox',
        ExpressionAttributeValues: { ':outbox': 'outbox' },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items
    .map((item) => ({
      detailType: item.detailType as string,
      detail: JSON.parse(item.detail as string),
    }))
    .filter((event) => event.detail.metadata.aggregateId === aggregateId)
    .sort((a, b) => a.detail.metadata.sequence - b.detail.metadata.sequence);
}

/** A configuration item in the CMDB for incidents to point at. */
export async function aConfigurationItem(lifecycleState = 'operational'): Promise<string> {
  const { ci } = await createCi(
    {
      ciClass: 'application',
      name: `app-${crypto.randomUUID().slice(0, 8)}`,
      criticality: 2,
      environment: 'production',
      lifecycleState,
    } as Parameters<typeof createCi>[0],
    ctx(),
  );
  return ci.id;
}
