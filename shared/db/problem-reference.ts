import { Entity } from 'electrodb';
import { ProblemResolutionCodes, ProblemStates } from '../events/problems';
import { SERVICE } from './entities';
import { TABLE_INDEXES, TABLE_KEYS } from './table';

/**
 * What other areas may read of a problem: enough to link it and to show the link. A
 * read-only projection of the problem area's `problem` item (same model name, version and
 * keys as functions/problem/entities.ts, which owns and writes it), so that changes can
 * reference problems without depending on the problem module.
 */
export const problemReference = new Entity({
  model: { entity: 'problem', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    number: { type: 'string', required: true, readOnly: true },
    shortDescription: { type: 'string', required: true },
    state: { type: ProblemStates, required: true },
    // What following a problem's resolution needs (functions/incident): as it is now.
    resolutionCode: { type: ProblemResolutionCodes },
    resolutionNotes: { type: 'string' },
    workaround: { type: 'string' },
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
  },
});

/** Numbers look like PRB0001001; anything else addresses the problem by id. */
export const PROBLEM_NUMBER = /^PRB\d{7,}$/i;
