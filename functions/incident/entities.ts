import { Entity } from 'electrodb';
import { SERVICE } from '../../shared/db/entities';
import { commentEntity, historyEntity } from '../../shared/db/journal';
import { listIndex, TABLE_INDEXES, TABLE_KEYS } from '../../shared/db/table';
import {
  Channels,
  HoldReasons,
  IncidentStates,
  ResolutionCodes,
} from '../../shared/events/incidents';

/**
 * One index per list filter, each sorted newest first by creation time (with the id as a
 * tie-breaker, so the order is stable). Indexes over optional attributes are sparse: Electro
 * writes no index keys when a key attribute is absent, so an incident without an assignee is
 * simply not in `byAssignee`. docs/data-model.md lists them.
 */
export const incidentEntity = new Entity({
  model: { entity: 'incident', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    number: { type: 'string', required: true, readOnly: true },
    shortDescription: { type: 'string', required: true },
    description: { type: 'string' },
    caller: { type: 'string', required: true },
    category: { type: 'string' },
    impact: { type: 'number', required: true },
    urgency: { type: 'number', required: true },
    priority: { type: 'number', required: true },
    configurationItem: { type: 'string' },
    assignmentGroup: { type: 'string' },
    assignee: { type: 'string' },
    channel: { type: Channels, required: true },
    state: { type: IncidentStates, required: true },
    holdReason: { type: HoldReasons },
    resolutionCode: { type: ResolutionCodes },
    resolutionNotes: { type: 'string' },
    parentId: { type: 'string' },
    childCount: { type: 'number', required: true },
    openedBy: { type: 'string', required: true },
    createdAt: { type: 'string', required: true, readOnly: true },
    updatedAt: { type: 'string', required: true },
    resolvedAt: { type: 'string' },
    closedAt: { type: 'string' },
    version: { type: 'number', required: true },
    /** Last per-aggregate event sequence number handed out; internal, not in the API. */
    eventSequence: { type: 'number', required: true },
    // Sort attributes of the sparse indexes (`<time>#<id>`), present only when the index
    // applies: Electro writes no index keys only when all of an index's composites are absent.
    // Derived by the repository, never part of the API.
    groupListedAt: { type: 'string' },
    assigneeListedAt: { type: 'string' },
    ciListedAt: { type: 'string' },
    parentListedAt: { type: 'string' },
    awaitingCloseSince: { type: 'string' },
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
    byCaller: listIndex('byCaller', ['caller'], ['createdAt', 'id']),
    byCi: listIndex('byCi', ['configurationItem'], ['ciListedAt']),
    byCreated: listIndex('byCreated', [], ['createdAt', 'id']),
    byUpdated: listIndex('byUpdated', [], ['updatedAt', 'id']),
    byParent: listIndex('byParent', ['parentId'], ['parentListedAt']),
    /** Resolved incidents by resolution time: what the auto-close job works through. */
    awaitingClose: {
      index: 'byDue',
      pk: { field: TABLE_INDEXES.byDue.partitionKey, composite: [] },
      sk: { field: TABLE_INDEXES.byDue.sortKey, composite: ['awaitingCloseSince'] },
    },
  },
});

export const incidentHistoryEntity = historyEntity('incidentHistory');
export const incidentCommentEntity = commentEntity('incidentComment');
