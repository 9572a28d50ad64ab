import { Entity } from 'electrodb';
import { SERVICE } from './entities';
import { TABLE_INDEXES, TABLE_KEYS } from './table';

/**
 * An incident linked to a problem: one item per link, in the problem's link partition. The
 * problem area writes links (functions/problem); the incident area reads a problem's links to
 * follow its state changes, and detection reads an incident's problems through `byIncident`.
 * Shared, as the CI reference is, so that neither area imports the other.
 */
export const problemIncidentLinkEntity = new Entity({
  model: { entity: 'problemIncidentLink', version: '1', service: SERVICE },
  attributes: {
    problemId: { type: 'string', required: true },
    incidentId: { type: 'string', required: true },
    /** The incident's CI when linked, so a problem's affected CIs need no incident reads. */
    configurationItem: { type: 'string' },
    linkedAt: { type: 'string', required: true },
    linkedBy: { type: 'string', required: true },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['problemId'] },
      sk: { field: TABLE_KEYS.sortKey, composite: ['incidentId'] },
    },
    /** The problems an incident is linked to (the link's parent side). */
    byIncident: {
      index: 'byParent',
      pk: { field: TABLE_INDEXES.byParent.partitionKey, composite: ['incidentId'] },
      sk: { field: TABLE_INDEXES.byParent.sortKey, composite: ['problemId'] },
    },
  },
});
