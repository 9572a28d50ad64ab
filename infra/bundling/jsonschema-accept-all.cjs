// Stands in for the `jsonschema` package in the deployed bundles (see ItsmFunction's bundling).
// ElectroDB's only use of jsonschema is checking each entity's model when the entity is built:
// at every cold start, about 45 ms and 28 KB (of a 400 KB budget) to re-check models that never
// change after the build. The tests build every entity with the real validator
// (test/unit/shared/entity-models.test.ts), so a model error still fails the build; the bundles
// accept every model without looking.
class Validator {
  addSchema() {}
  validate() {
    return { errors: [] };
  }
}
// ElectroDB registers its custom formats on the prototype.
Validator.prototype.customFormats = {};

module.exports = { Validator };
