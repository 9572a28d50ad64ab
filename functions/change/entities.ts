import { Entity } from 'electrodb';
import { SERVICE } from '../../shared/db/entities';
import { commentEntity, historyEntity } from '../../shared/db/journal';
import { listIndex, TABLE_INDEXES, TABLE_KEYS } from '../../shared/db/table';
import { ChangeModels, ChangeOutcomes, ChangeStates } from '../../shared/events/changes';

/**
 * A change. Its list indexes mirror the problem's (docs/data-model.md), with the model on
 * `byPriority` (changes have no priority), planned-start order on `byDue` and the schedule
 * (changes holding their window) on `byParent`. Indexes over optional attributes are sparse,
 * keyed by index-only sort attributes the repository derives. Risk, the approval record and
 * the override are nested documents the domain validates: stored as they are.
 */
export const changeEntity = new Entity({
  model: { entity: 'change', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    number: { type: 'string', required: true, readOnly: true },
    model: { type: ChangeModels, required: true },
    templateId: { type: 'string' },
    shortDescription: { type: 'string', required: true },
    description: { type: 'string' },
    category: { type: 'string' },
    state: { type: ChangeStates, required: true },
    plannedStart: { type: 'string' },
    plannedEnd: { type: 'string' },
    implementationPlan: { type: 'string' },
    backoutPlan: { type: 'string' },
    testPlan: { type: 'string' },
    affectedCis: { type: 'list', required: true, items: { type: 'string' } },
    assignmentGroup: { type: 'string' },
    assignee: { type: 'string' },
    linkedProblems: { type: 'list', required: true, items: { type: 'string' } },
    linkedIncidents: { type: 'list', required: true, items: { type: 'string' } },
    risk: { type: 'any' },
    approvalPlanId: { type: 'string' },
    approval: { type: 'any' },
    conflictOverride: { type: 'any' },
    outcome: { type: ChangeOutcomes },
    outcomeNotes: { type: 'string' },
    closeNotes: { type: 'string' },
    cancelReason: { type: 'string' },
    openedBy: { type: 'string', required: true },
    createdAt: { type: 'string', required: true, readOnly: true },
    updatedAt: { type: 'string', required: true },
    submittedAt: { type: 'string' },
    implementationStartedAt: { type: 'string' },
    implementationEndedAt: { type: 'string' },
    closedAt: { type: 'string' },
    version: { type: 'number', required: true },
    /** Last per-aggregate event sequence number handed out; internal, not in the API. */
    eventSequence: { type: 'number', required: true },
    // Sort attributes of the sparse indexes, present only when the index applies; derived by
    // the repository, never part of the API. `<createdAt>#<id>`, or `<plannedStart>#<id>`.
    groupListedAt: { type: 'string' },
    assigneeListedAt: { type: 'string' },
    plannedListedAt: { type: 'string' },
    bookedFrom: { type: 'string' },
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
    byModel: listIndex('byPriority', ['model'], ['createdAt', 'id']),
    byGroup: listIndex('byGroup', ['assignmentGroup'], ['groupListedAt']),
    byAssignee: listIndex('byAssignee', ['assignee'], ['assigneeListedAt']),
    byCreated: listIndex('byCreated', [], ['createdAt', 'id']),
    byUpdated: listIndex('byUpdated', [], ['updatedAt', 'id']),
    /** Every change with a planned start, in planned-start order. */
    byPlannedStart: listIndex('byDue', [], ['plannedListedAt']),
    /** The schedule: changes holding their window (Authorize to Implement), by planned start. */
    bookings: listIndex('byParent', [], ['bookedFrom']),
  },
});

export const changeHistoryEntity = historyEntity('changeHistory');
export const changeCommentEntity = commentEntity('changeComment');

/**
 * One affected CI of a change: what lists changes by CI, and, once the change is closed with
 * an outcome, the CI's record of how changes to it went (risk's failure rate). Written in the
 * change's transactions: when its CIs change, and on close.
 */
export const changeCiEntity = new Entity({
  model: { entity: 'changeCi', version: '1', service: SERVICE },
  attributes: {
    changeId: { type: 'string', required: true },
    ci: { type: 'string', required: true },
    /** The change's creation time: lists by CI sort as the other lists do. */
    createdAt: { type: 'string', required: true },
    outcome: { type: ChangeOutcomes },
    closedAt: { type: 'string' },
    /** `<closedAt>#<changeId>` once closed with an outcome; index-only. */
    outcomeListedAt: { type: 'string' },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['changeId'] },
      sk: { field: TABLE_KEYS.sortKey, composite: ['ci'] },
    },
    byCi: listIndex('byCi', ['ci'], ['createdAt', 'changeId']),
    /** Closed changes of a CI with their outcome, most recently closed first. */
    outcomes: listIndex('byUpdated', ['ci'], ['outcomeListedAt']),
  },
});

/** A standard change template (domain/templates.ts): a small catalog, listed newest first. */
export const changeTemplateEntity = new Entity({
  model: { entity: 'changeTemplate', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    name: { type: 'string', required: true },
    shortDescription: { type: 'string', required: true },
    description: { type: 'string' },
    category: { type: 'string' },
    implementationPlan: { type: 'string', required: true },
    backoutPlan: { type: 'string', required: true },
    testPlan: { type: 'string', required: true },
    affectedCis: { type: 'list', required: true, items: { type: 'string' } },
    active: { type: 'boolean', required: true },
    createdAt: { type: 'string', required: true, readOnly: true },
    updatedAt: { type: 'string', required: true },
    version: { type: 'number', required: true },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['id'] },
      sk: { field: TABLE_KEYS.sortKey, composite: [] },
    },
    byCreated: listIndex('byCreated', [], ['createdAt', 'id']),
  },
});

/**
 * A blackout (freeze) window. Listed by end: a window overlapping [from, to) ends after
 * `from`, so past windows are never read again.
 */
export const blackoutWindowEntity = new Entity({
  model: { entity: 'blackoutWindow', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    name: { type: 'string', required: true },
    start: { type: 'string', required: true },
    end: { type: 'string', required: true },
    /** `{ kind: 'all' }` or `{ kind: 'cis', cis }` (domain/conflicts.ts). */
    scope: { type: 'any', required: true },
    createdBy: { type: 'string', required: true },
    createdAt: { type: 'string', required: true },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['id'] },
      sk: { field: TABLE_KEYS.sortKey, composite: [] },
    },
    byEnd: listIndex('byDue', [], ['end', 'id']),
  },
});

/**
 * A release (domain/release.ts): a group of changes with a target window. Its state is not
 * stored: it is derived on read from its changes' current states (docs/changes.md).
 */
export const releaseEntity = new Entity({
  model: { entity: 'release', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    number: { type: 'string', required: true, readOnly: true },
    name: { type: 'string', required: true },
    description: { type: 'string' },
    targetStart: { type: 'string', required: true },
    targetEnd: { type: 'string', required: true },
    changeIds: { type: 'list', required: true, items: { type: 'string' } },
    createdAt: { type: 'string', required: true, readOnly: true },
    updatedAt: { type: 'string', required: true },
    version: { type: 'number', required: true },
    /** Last per-aggregate event sequence number handed out; internal, not in the API. */
    eventSequence: { type: 'number', required: true },
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
    byCreated: listIndex('byCreated', [], ['createdAt', 'id']),
  },
});

export const releaseHistoryEntity = historyEntity('releaseHistory');
