import { Entity } from 'electrodb';
import { SERVICE } from '../../shared/db/entities';
import { commentEntity, historyEntity } from '../../shared/db/journal';
import { listIndex, TABLE_INDEXES, TABLE_KEYS } from '../../shared/db/table';
import { IncidentStates } from '../../shared/events/incidents';
import {
  ProblemResolutionCodes,
  ProblemSources,
  ProblemStates,
} from '../../shared/events/problems';

/**
 * A problem. Its list indexes mirror the incident's (docs/data-model.md); the ones over
 * optional attributes are sparse, keyed by index-only sort attributes the repository derives.
 */
export const problemEntity = new Entity({
  model: { entity: 'problem', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    number: { type: 'string', required: true, readOnly: true },
    shortDescription: { type: 'string', required: true },
    description: { type: 'string' },
    category: { type: 'string' },
    impact: { type: 'number', required: true },
    urgency: { type: 'number', required: true },
    priority: { type: 'number', required: true },
    configurationItem: { type: 'string' },
    assignmentGroup: { type: 'string' },
    assignee: { type: 'string' },
    state: { type: ProblemStates, required: true },
    knownError: { type: 'boolean', required: true },
    rootCause: { type: 'string' },
    workaround: { type: 'string' },
    resolutionCode: { type: ProblemResolutionCodes },
    resolutionNotes: { type: 'string' },
    duplicateOf: { type: 'string' },
    linkedIncidentCount: { type: 'number', required: true },
    source: { type: ProblemSources, required: true },
    openedBy: { type: 'string', required: true },
    createdAt: { type: 'string', required: true, readOnly: true },
    updatedAt: { type: 'string', required: true },
    resolvedAt: { type: 'string' },
    closedAt: { type: 'string' },
    version: { type: 'number', required: true },
    /** Last per-aggregate event sequence number handed out; internal, not in the API. */
    eventSequence: { type: 'number', required: true },
    // Sort attributes of the sparse indexes (`<createdAt>#<id>`), present only when the index
    // applies; derived by the repository, never part of the API.
    groupListedAt: { type: 'string' },
    assigneeListedAt: { type: 'string' },
    ciListedAt: { type: 'string' },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['id'] },
      sk: { field: TABLE_KEYS.sortKey, composite: [] },
    },
    byNumber: {
      index: 'byNumber',
      pk: { field: TABLE_INDEXES.byNumber.partitionKey, composite: ['number'] },
      sk: { field: TABLE_INDEXES.byNumber.sortKey, composite: [] },
    },
    byState: listIndex('byState', ['state'], ['createdAt', 'id']),
    byPriority: listIndex('byPriority', ['priority'], ['createdAt', 'id']),
    byGroup: listIndex('byGroup', ['assignmentGroup'], ['groupListedAt']),
    byAssignee: listIndex('byAssignee', ['assignee'], ['assigneeListedAt']),
    byCi: listIndex('byCi', ['configurationItem'], ['ciListedAt']),
    byCreated: listIndex('byCreated', [], ['createdAt', 'id']),
    byUpdated: listIndex('byUpdated', [], ['updatedAt', 'id']),
  },
});

export const problemHistoryEntity = historyEntity('problemHistory');
export const problemCommentEntity = commentEntity('problemComment');

/**
 * Detection's read model (docs/problems.md, "Detection"): what it last saw of each incident,
 * with the detection scopes (its CI and the CIs upstream of it) it was filed under...
 */
export const detectionSubjectEntity = new Entity({
  model: { entity: 'detectionSubject', version: '1', service: SERVICE },
  attributes: {
    incidentId: { type: 'string', required: true },
    configurationItem: { type: 'string' },
    state: { type: IncidentStates, required: true },
    createdAt: { type: 'string', required: true },
    /** The incident's version this reflects; older events never overwrite it. */
    version: { type: 'number', required: true },
    scopes: { type: 'list', required: true, items: { type: 'string' } },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['incidentId'] },
      sk: { field: TABLE_KEYS.sortKey, composite: [] },
    },
  },
});

/** ...one member item per scope, so one Query per scope finds its incidents in a window... */
export const detectionMemberEntity = new Entity({
  model: { entity: 'detectionMember', version: '1', service: SERVICE },
  attributes: {
    scope: { type: 'string', required: true },
    incidentId: { type: 'string', required: true },
    configurationItem: { type: 'string' },
    state: { type: IncidentStates, required: true },
    createdAt: { type: 'string', required: true },
    version: { type: 'number', required: true },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['scope'] },
      sk: { field: TABLE_KEYS.sortKey, composite: ['createdAt', 'incidentId'] },
    },
  },
});

/**
 * ...and one claim per scope naming the problem detection created there, read strongly, so two
 * deliveries racing (before the indexes show the first problem) cannot both create one.
 */
export const detectionClaimEntity = new Entity({
  model: { entity: 'detectionClaim', version: '1', service: SERVICE },
  attributes: {
    scope: { type: 'string', required: true },
    problemId: { type: 'string', required: true },
    claimedAt: { type: 'string', required: true },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['scope'] },
      sk: { field: TABLE_KEYS.sortKey, composite: [] },
    },
  },
});
