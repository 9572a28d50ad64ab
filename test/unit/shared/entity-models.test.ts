import { createRequire } from 'node:module';
import { Entity, Service } from 'electrodb';
import { describe, expect, it } from 'vitest';
import * as changeApprovalEntities from '../../../functions/change/approval-entities';
import * as changeEntities from '../../../functions/change/entities';
import * as cmdbEntities from '../../../functions/cmdb/entities';
import * as incidentEntities from '../../../functions/incident/entities';
import * as problemEntities from '../../../functions/problem/entities';
import * as ciReferences from '../../../shared/db/configuration-item-reference';
import * as sharedEntities from '../../../shared/db/entities';
import * as incidentReferences from '../../../shared/db/incident-reference';
import * as problemLinks from '../../../shared/db/problem-links';
import * as problemReferences from '../../../shared/db/problem-reference';

const require = createRequire(import.meta.url);
const { Validator: AcceptAllValidator } =
  require('../../../infra/bundling/jsonschema-accept-all.cjs') as {
    Validator: new () => { validate(value: unknown): { errors: unknown[] } };
  };
// ElectroDB's own check (with the real jsonschema), which sorts models from instances.
const { testModel } = require('electrodb/src/validations.js') as {
  testModel(value: unknown): [boolean, string];
};

/**
 * The deployed bundles skip ElectroDB's model validation (infra/bundling/jsonschema-accept-all.cjs),
 * so this is where every entity model is checked by the real validator.
 */
const modules = {
  changeApprovalEntities,
  changeEntities,
  cmdbEntities,
  incidentEntities,
  problemEntities,
  ciReferences,
  sharedEntities,
  incidentReferences,
  problemLinks,
  problemReferences,
};
const entities = Object.values(modules).flatMap((module) =>
  Object.entries(module).filter(
    (entry): entry is [string, Entity<string, string, string, never>] => entry[1] instanceof Entity,
  ),
);

describe('entity models', () => {
  it('find every module’s entities', () => {
    expect(entities.length).toBeGreaterThanOrEqual(28);
  });

  it.each(entities)('%s passes ElectroDB’s model validation', (_name, entity) => {
    expect(() => new Entity(entity.schema)).not.toThrow();
  });

  it.each(entities)(
    '%s and its model are told apart by the bundles’ stand-in validator as by the real one',
    (_name, entity) => {
      const standIn = new AcceptAllValidator();
      const service = new Service({ entity: entity as never }, { table: 't' });
      for (const [value, isModel] of [
        [entity.schema, true],
        [entity, false],
        [service, false],
      ] as const) {
        expect(testModel(value)[0]).toBe(isModel);
        expect(standIn.validate(value).errors.length === 0).toBe(isModel);
      }
    },
  );

  it('are checked by the real validator here, which rejects a broken model', () => {
    const [, entity] = entities[0] ?? [];
    if (!entity) throw new Error('no entity found');
    const model = entity.schema as object;
    expect(() => new Entity({ ...model, indexes: { primary: { pk: 7 } } } as never)).toThrow(
      /indexes.primary.pk is not of a type/,
    );
  });
});
