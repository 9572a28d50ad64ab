import { Entity } from 'electrodb';
import { HoldReasons, IncidentStates } from '../events/incidents';
import { SERVICE } from './entities';
import { TABLE_INDEXES, TABLE_KEYS } from './table';

/**
 * What other areas may read of an incident: enough to link it and to show the link. A
 * read-only projection of the incident area's `incident` item (same model name, version and
 * keys as functions/incident/entities.ts, which owns and writes it), so that problems and
 * changes can reference incidents without depending on the incident module.
 * test/unit/shared/references.test.ts keeps the keys identical.
 */
export const incidentReference = new Entity({
  model: { entity: 'incident', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    number: { type: 'string', required: true, readOnly: true },
    shortDescription: { type: 'string', required: true },
    state: { type: IncidentStates, required: true },
    holdReason: { type: HoldReasons },
    priority: { type: 'number', required: true },
    configurationItem: { type: 'string' },
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

/** Numbers look like INC0001001; anything else addresses the incident by id. */
export const INCIDENT_NUMBER = /^INC\d{7,}$/i;
