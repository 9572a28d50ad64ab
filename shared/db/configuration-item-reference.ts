import { Entity } from 'electrodb';
import { ValidationError } from '../errors';
import { SERVICE } from './entities';
import { TABLE_KEYS } from './table';

/**
 * What other areas may read of a configuration item: that it exists, and its lifecycle
 * state. A read-only projection of the CMDB's `ci` item (same model name, version and
 * primary key as `functions/cmdb/entities.ts`, which owns and writes it), so that incidents,
 * problems and changes can check CI references without depending on the CMDB module.
 * test/unit/shared/references.test.ts keeps the two keys identical.
 */
export const configurationItemReference = new Entity({
  model: { entity: 'ci', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
    lifecycleState: { type: 'string', required: true },
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['id'] },
      sk: { field: TABLE_KEYS.sortKey, composite: [] },
    },
  },
});

/**
 * A CI's place in the graph: its edges as the CMDB keeps them (functions/cmdb/entities.ts),
 * for areas that walk the graph themselves (problem detection walks it upstream).
 */
export const configurationItemTopology = new Entity({
  model: { entity: 'ci', version: '1', service: SERVICE },
  attributes: {
    id: { type: 'string', required: true, readOnly: true },
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
  },
  indexes: {
    primary: {
      pk: { field: TABLE_KEYS.partitionKey, composite: ['id'] },
      sk: { field: TABLE_KEYS.sortKey, composite: [] },
    },
  },
});

export const RETIRED_LIFECYCLE_STATE = 'retired';

/**
 * Checks a CI reference (absent or null means none): it must name an existing CI that is not
 * retired, or the request is a 400 naming `configurationItem`. `lifecycleStateOf` is the
 * area's read of the CI reference.
 */
export async function assertConfigurationItemReference(
  id: string | null | undefined,
  lifecycleStateOf: (id: string) => Promise<string | undefined>,
): Promise<void> {
  if (id === undefined || id === null) return;
  const state = await lifecycleStateOf(id);
  if (state === undefined || state === RETIRED_LIFECYCLE_STATE) {
    throw new ValidationError([
      {
        field: 'configurationItem',
        message: state
          ? `configuration item ${id} is retired`
          : 'expected the id of an existing configuration item',
      },
    ]);
  }
}
