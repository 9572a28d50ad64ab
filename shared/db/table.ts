/**
 * The physical shape of the single table, shared by the CDK stateful stack (which creates it)
 * and the ElectroDB entities (which map access patterns onto it). Key attributes are generic;
 * each global secondary index is named after the access pattern family it serves.
 * docs/data-model.md lists which entity uses which index for what.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB's TTL deletes the item some time after it passes. */
  timeToLive: 'expiresAt',
} as const;

export const TABLE_INDEXES = {
  byNumber: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  byState: { partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  byPriority: { partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  byGroup: { partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
  byAssignee: { partitionKey: 'gsi5pk', sortKey: 'gsi5sk' },
  byCaller: { partitionKey: 'gsi6pk', sortKey: 'gsi6sk' },
  byCi: { partitionKey: 'gsi7pk', sortKey: 'gsi7sk' },
  byCreated: { partitionKey: 'gsi8pk', sortKey: 'gsi8sk' },
  byUpdated: { partitionKey: 'gsi9pk', sortKey: 'gsi9sk' },
  byParent: { partitionKey: 'gsi10pk', sortKey: 'gsi10sk' },
  byDue: { partitionKey: 'gsi11pk', sortKey: 'gsi11sk' },
} as const;

export type TableIndexName = keyof typeof TABLE_INDEXES;

/**
 * An entity's index definition on one of the table's indexes, in ElectroDB's shape. List
 * indexes sort by creation time with the id as a tie-breaker, so their order is stable.
 */
export const listIndex = <
  const Name extends TableIndexName,
  const Partition extends readonly string[],
  const Sort extends readonly string[],
>(
  name: Name,
  partition: Partition,
  sort: Sort,
) => {
  const fields = TABLE_INDEXES[name];
  return {
    index: name,
    pk: { field: fields.partitionKey, composite: partition },
    sk: { field: fields.sortKey, composite: sort },
  };
};

/** Environment variable through which every function learns the table's name. */
export const TABLE_NAME_ENV = 'TABLE_NAME';
