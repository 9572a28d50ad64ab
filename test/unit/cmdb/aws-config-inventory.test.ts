import type {
  SelectResourceConfigCommand,
  SelectResourceConfigCommandOutput,
} from '@aws-sdk/client-config-service';
import { describe, expect, it, vi } from 'vitest';
import {
  type ConfigQueryClient,
  type InventorySyncOptions,
  inventoryQuery,
  syncInventory,
} from '../../../functions/cmdb/aws-config-inventory';
import { fromAwsConfigItem } from '../../../functions/cmdb/domain';
import type { ImportOutcome } from '../../../functions/cmdb/use-cases';
import { ACCOUNT_ID, REGION } from './aws-config-items';

const TYPES = ['AWS::EC2::Instance', 'AWS::RDS::DBInstance'];

/** A result of advanced query, as AWS Config returns it: one JSON string per resource. */
function queryResult(resourceId: string): string {
  return JSON.stringify({
    accountId: ACCOUNT_ID,
    awsRegion: REGION,
    arn: `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:instance/${resourceId}`,
    availabilityZone: `${REGION}a`,
    resourceType: 'AWS::EC2::Instance',
    resourceId,
    resourceName: resourceId,
    configurationItemCaptureTime: '2025-03-01T10:15:30.123Z',
    configurationItemStatus: 'OK',
    tags: [
      { key: 'Name', value: `host-${resourceId}`, tag: `Name=host-${resourceId}` },
      { key: 'itsm:owner-group', value: 'web-team', tag: 'itsm:owner-group=web-team' },
    ],
    relationships: [
      {
        resourceId: 'vol-0fedcba9876543210',
        resourceType: 'AWS::EC2::Volume',
        relationshipName: 'Is attached to Volume',
      },
    ],
    configuration: { instanceType: 't3.medium', privateIpAddress: '10.0.1.25' },
  });
}

/** A config client whose advanced query returns `pages`, linked by NextToken. */
function fakeClient(pages: string[][]) {
  const inputs: SelectResourceConfigCommand['input'][] = [];
  const client: ConfigQueryClient = {
    send: async (command): Promise<SelectResourceConfigCommandOutput> => {
      inputs.push(command.input);
      const index = command.input.NextToken ? Number(command.input.NextToken) : 0;
      return {
        $metadata: {},
        Results: pages[index],
        ...(index + 1 < pages.length ? { NextToken: String(index + 1) } : {}),
      };
    },
  };
  return { client, inputs };
}

function options(
  client: ConfigQueryClient,
  overrides: Partial<InventorySyncOptions> = {},
): InventorySyncOptions & { imported: unknown[] } {
  const imported: unknown[] = [];
  return {
    client,
    resourceTypes: TYPES,
    importItem: async (document): Promise<ImportOutcome> => {
      imported.push(document);
      return 'created';
    },
    hasTimeLeft: () => true,
    onFailure: () => {},
    imported,
    ...overrides,
  };
}

describe('inventoryQuery', () => {
  it('selects what the CMDB mapping reads, tags and relationships included, of the types', () => {
    expect(inventoryQuery(TYPES)).toBe(
      'SELECT accountId, awsRegion, arn, availabilityZone, resourceType, resourceId, resourceName, configurationItemCaptureTime, configurationItemStatus, tags, relationships, configuration' +
        " WHERE resourceType IN ('AWS::EC2::Instance', 'AWS::RDS::DBInstance')",
    );
  });

  it('returns items the CMDB mapping takes as they are, tags and relationships included', () => {
    const imported = fromAwsConfigItem(JSON.parse(queryResult('i-1')));
    expect(imported.ci).toMatchObject({ name: 'host-i-1', ownerGroup: 'web-team' });
    expect(imported.ci.attributes).toMatchObject({
      accountId: ACCOUNT_ID,
      instanceType: 't3.medium',
    });
    expect(imported.relationships.map((relationship) => relationship.type)).toEqual(['depends_on']);
  });
});

describe('syncInventory', () => {
  it('pages through the inventory and imports every item in order', async () => {
    const { client, inputs } = fakeClient([
      [queryResult('i-1'), queryResult('i-2')],
      [queryResult('i-3')],
    ]);
    const imported: string[] = [];
    const sync = options(client, {
      importItem: async (document) => {
        const { resourceId } = document as { resourceId: string };
        imported.push(resourceId);
        return resourceId === 'i-2' ? 'unchanged' : 'created';
      },
    });

    const summary = await syncInventory(sync);

    expect(imported).toEqual(['i-1', 'i-2', 'i-3']);
    expect(inputs).toEqual([
      { Expression: inventoryQuery(TYPES), Limit: 100, NextToken: undefined },
      { Expression: inventoryQuery(TYPES), Limit: 100, NextToken: '1' },
    ]);
    expect(summary).toEqual({
      resources: 3,
      created: 2,
      updated: 0,
      unchanged: 1,
      stale: 0,
      failed: 0,
      complete: true,
    });
  });

  it('counts and reports an item it cannot import, and goes on with the others', async () => {
    const { client } = fakeClient([[queryResult('i-1'), 'not json', queryResult('i-3')]]);
    const onFailure = vi.fn();
    const sync = options(client, {
      onFailure,
      importItem: async (document) => {
        if ((document as { resourceId: string }).resourceId === 'i-3') throw new Error('refused');
        return 'updated';
      },
    });

    const summary = await syncInventory(sync);

    expect(summary).toMatchObject({ resources: 3, updated: 1, failed: 2, complete: true });
    expect(onFailure).toHaveBeenCalledTimes(2);
    expect(onFailure.mock.calls[0]?.[1]).toBe('not json');
    expect(onFailure.mock.calls[1]?.[0]).toEqual(new Error('refused'));
  });

  it('stops before the time runs out and says the run is incomplete', async () => {
    const { client, inputs } = fakeClient([
      [queryResult('i-1'), queryResult('i-2')],
      [queryResult('i-3')],
    ]);
    let left = 2;
    const sync = options(client, { hasTimeLeft: () => left-- > 0 });

    const summary = await syncInventory(sync);

    expect(sync.imported).toHaveLength(2);
    expect(summary).toMatchObject({ resources: 2, created: 2, complete: false });
    expect(inputs).toHaveLength(2);
  });

  it('completes on an empty inventory', async () => {
    const { client } = fakeClient([[]]);
    expect(await syncInventory(options(client))).toMatchObject({ resources: 0, complete: true });
  });
});
