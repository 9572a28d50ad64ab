import { Entity } from 'electrodb';
import { SERVICE } from '../../shared/db/entities';
import { TABLE_INDEXES, TABLE_KEYS } from '../../shared/db/table';
import { CiSources } from '../../shared/events/cmdb';
import { CiClasses, Environments, LifecycleStates } from './domain';

/**
 * A configuration item with its adjacency list. `edges` holds every relationship the CI takes
 * part in, read from this CI (`{ type: 'runs_on', target: vm }` on the app, `{ type: 'runs',
 * target: app }` on the VM), so one read of a CI yields its neighbours: the impact walk
 * follows them with BatchGetItem, level by level. docs/cmdb.md explains the costs.
 */
export const ciEntity = new Entity({
  model: { entity: 'ci', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    ciClass: { type: CiClasses, required: true },
    name: { type: 'string', required: true },
    ownerGroup: { type: 'string' },
    criticality: { type: 'number', required: true },
    environment: { type: Environments, required: true },
    lifecycleState: { type: LifecycleStates, required: true },
    attributes: { type: 'any', required: true },
    source: { type: CiSources, required: true },
    capturedAt: { type: 'string' },
    fingerprint: { type: 'string', required: true },
    edges: {
      type: 'list',
      required: true,
      items: {
        type: 'map',
        properties: {
          type: { type: 'string', required: true },
          target: { type: 'string', required: true },
        },
      },
    },
    createdAt: { type: 'string', required: true, readOnly: true },
    updatedAt: { type: 'string', required: true },
    version: { type: 'number', required: true },
    /** Last per-aggregate event sequence number handed out; internal, not in the API. */
    eventSequence: { type: 'number', required: true },
    // Sort attribute of the sparse owner-group index (`<createdAt>#<id>`), present only with
    // an owner group; derived by the repository, never part of the API.
    groupListedAt: { type: 'string' },
    // The CI's ARN (`attributes.arn`), key of the sparse ARN lookup the change gate uses;
    // derived by the repository, never part of the API.
    arn: { type: 'string' },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['id'] },
      sk: { field: TABLE_KEYS.sortKey, composite: [] },
    },
    byCreated: {
      index: 'byCreated',
      pk: { field: TABLE_INDEXES.byCreated.partitionKey, composite: [] },
      sk: { field: TABLE_INDEXES.byCreated.sortKey, composite: ['createdAt', 'id'] },
    },
    byGroup: {
      index: 'byGroup',
      pk: { field: TABLE_INDEXES.byGroup.partitionKey, composite: ['ownerGroup'] },
      sk: { field: TABLE_INDEXES.byGroup.sortKey, composite: ['groupListedAt'] },
    },
    byState: {
      index: 'byState',
      pk: { field: TABLE_INDEXES.byState.partitionKey, composite: ['lifecycleState'] },
      sk: { field: TABLE_INDEXES.byState.sortKey, composite: ['createdAt', 'id'] },
    },
    // An alternate key, like an incident's number: the byNumber index serves both.
    byArn: {
      index: 'byNumber',
      pk: { field: TABLE_INDEXES.byNumber.partitionKey, composite: ['arn'] },
      sk: { field: TABLE_INDEXES.byNumber.sortKey, composite: ['id'] },
    },
  },
});
