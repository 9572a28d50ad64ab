import {
  SelectResourceConfigCommand,
  type SelectResourceConfigCommandOutput,
} from '@aws-sdk/client-config-service';
import type { ImportOutcome } from './use-cases';

/** The part of the AWS Config client the sync uses (a fake in tests). */
export interface ConfigQueryClient {
  send(command: SelectResourceConfigCommand): Promise<SelectResourceConfigCommandOutput>;
}

/**
 * What the CMDB mapping reads of a configuration item, as advanced query names it (`accountId`,
 * `arn`, tags as `[{ key, value }]`, relationships with `relationshipName`). Unlike
 * BatchGetResourceConfig, advanced query returns tags and relationships, from which the owner
 * group, environment, criticality and relationships of a CI come.
 */
const SELECTED_PROPERTIES = [
  'accountId',
  'awsRegion',
  'arn',
  'availabilityZone',
  'resourceType',
  'resourceId',
  'resourceName',
  'configurationItemCaptureTime',
  'configurationItemStatus',
  'tags',
  'relationships',
  'configuration',
];

/** The most results advanced query returns per page. */
const PAGE_SIZE = 100;

/** The advanced query for the current state of every recorded resource of `resourceTypes`. */
export function inventoryQuery(resourceTypes: readonly string[]): string {
  const types = resourceTypes.map((type) => `'${type}'`).join(', ');
  return `SELECT ${SELECTED_PROPERTIES.join(', ')} WHERE resourceType IN (${types})`;
}

export interface InventorySyncOptions {
  client: ConfigQueryClient;
  resourceTypes: readonly string[];
  /** Imports one configuration item (the CMDB's import use case). */
  importItem: (document: unknown) => Promise<ImportOutcome>;
  /** Whether another item can be imported before the function times out. */
  hasTimeLeft: () => boolean;
  /** Told of each item that could not be imported; the sync goes on. */
  onFailure: (error: unknown, document: unknown) => void;
}

export type InventorySyncSummary = Record<ImportOutcome | 'failed', number> & {
  resources: number;
  /** False when the time ran out before the last page: the next run starts over. */
  complete: boolean;
};

/**
 * Pages through AWS Config's inventory of `resourceTypes` and imports every item, one at a
 * time. An item that fails is counted and reported, not retried; the next run imports it
 * again. Re-importing an unchanged item writes nothing, so a run that ran out of time is
 * simply followed by one that gets further.
 */
export async function syncInventory(options: InventorySyncOptions): Promise<InventorySyncSummary> {
  const summary: InventorySyncSummary = {
    resources: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    stale: 0,
    failed: 0,
    complete: false,
  };
  const Expression = inventoryQuery(options.resourceTypes);
  let nextToken: string | undefined;
  do {
    const page = await options.client.send(
      new SelectResourceConfigCommand({ Expression, Limit: PAGE_SIZE, NextToken: nextToken }),
    );
    for (const result of page.Results ?? []) {
      if (!options.hasTimeLeft()) return summary;
      summary.resources++;
      let document: unknown;
      try {
        document = JSON.parse(result);
        summary[await options.importItem(document)]++;
      } catch (error) {
        summary.failed++;
        options.onFailure(error, document ?? result);
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return { ...summary, complete: true };
}
